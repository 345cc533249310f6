using System;
using System.Linq;

namespace Nice.MLNet.ImageFeatures;

/// <summary>The repo's anomaly metrics (src/Nice.MLNet.Cli/Bench/AnomalyMetrics.cs): AUROC with ties as 1/2, and DR@10FP.</summary>
public static class Metrics
{
    /// <summary>P(a random anomaly scores above a random normal row); scores: higher = more anomalous.</summary>
    public static double Auc(double[] normal, double[] anomalies)
    {
        var all = normal.Select(s => (S: Clean(s), A: false)).Concat(anomalies.Select(s => (S: Clean(s), A: true))).OrderBy(p => p.S).ToArray();
        double rankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j].S == all[i].S) j++;
            double mid = (i + 1 + j) / 2.0;
            for (int k = i; k < j; k++) if (all[k].A) rankSum += mid;
            i = j;
        }
        double n1 = anomalies.Length, n0 = normal.Length;
        return (rankSum - n1 * (n1 + 1) / 2) / (n1 * n0);
    }

    /// <summary>Fraction of anomalies scored strictly above the 10th-highest normal score.</summary>
    public static double DetectionRateAt10(double[] normal, double[] anomalies)
    {
        double cut = normal.Select(Clean).OrderByDescending(s => s).ElementAt(9);
        return anomalies.Count(s => Clean(s) > cut) / (double)anomalies.Length;
    }

    public static (double Auc, double Dr) Both(double[] scores, bool[] anomaly)
    {
        var normal = scores.Where((_, i) => !anomaly[i]).ToArray();
        var anomalies = scores.Where((_, i) => anomaly[i]).ToArray();
        return (Auc(normal, anomalies), DetectionRateAt10(normal, anomalies));
    }

    private static double Clean(double s) => double.IsNaN(s) ? double.NegativeInfinity : s;
}
