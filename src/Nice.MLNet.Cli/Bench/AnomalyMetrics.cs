using System;
using System.Linq;

namespace Nice.MLNet.Cli.Bench;

/// <summary>Ranking metrics of anomaly scores (higher = more anomalous) against known normal and anomalous rows.</summary>
public static class AnomalyMetrics
{
    /// <summary>
    /// Area under the ROC curve: the probability that a random anomaly scores above a random normal row, ties counting ½
    /// (the Mann–Whitney U statistic divided by n_anomalies·n_normal). NaN scores count as the lowest.
    /// </summary>
    public static double Auc(float[] normal, float[] anomalies)
    {
        if (normal.Length == 0 || anomalies.Length == 0) return double.NaN;
        var all = normal.Select(s => (Score: Clean(s), Anomaly: false)).Concat(anomalies.Select(s => (Score: Clean(s), Anomaly: true)))
            .OrderBy(p => p.Score).ToArray();
        double rankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j].Score == all[i].Score) j++;
            double midRank = (i + 1 + j) / 2.0; // average 1-based rank of the tie group
            for (int k = i; k < j; k++) if (all[k].Anomaly) rankSum += midRank;
            i = j;
        }
        double n1 = anomalies.Length, n0 = normal.Length;
        return (rankSum - n1 * (n1 + 1) / 2) / (n1 * n0);
    }

    /// <summary>
    /// Detection rate at <paramref name="falsePositives"/> false positives: the fraction of anomalies scored strictly above the
    /// <paramref name="falsePositives"/>-th highest normal score (ML.NET's DetectionRateAtFalsePositiveCount, with the default 10).
    /// </summary>
    public static double DetectionRate(float[] normal, float[] anomalies, int falsePositives = 10)
    {
        if (anomalies.Length == 0 || normal.Length < falsePositives) return double.NaN;
        float cut = normal.Select(Clean).OrderByDescending(s => s).ElementAt(falsePositives - 1);
        return anomalies.Count(s => Clean(s) > cut) / (double)anomalies.Length;
    }

    private static float Clean(float s) => float.IsNaN(s) ? float.NegativeInfinity : s;
}
