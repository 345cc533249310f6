using System;
using System.Collections.Generic;
using System.Linq;

namespace Nice.MLNet.Cli.Bench;

/// <summary>Ranking metrics for anomaly scores (higher score = more anomalous).</summary>
public static class Metrics
{
    /// <summary>Area under the ROC curve: P(score of a random anomaly &gt; score of a random normal), ties counted half (Mann–Whitney U).</summary>
    public static double Auc(IReadOnlyList<double> normal, IReadOnlyList<double> anomalous)
    {
        if (normal.Count == 0 || anomalous.Count == 0) throw new ArgumentException("AUC needs at least one normal and one anomalous score.");
        var all = normal.Select(s => (s, a: false)).Concat(anomalous.Select(s => (s, a: true))).OrderBy(p => p.s).ToArray();
        double rankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j + 1 < all.Length && all[j + 1].s == all[i].s) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) if (all[k].a) rankSum += rank;
            i = j + 1;
        }
        double u = rankSum - anomalous.Count * (anomalous.Count + 1) / 2.0;
        return u / ((double)anomalous.Count * normal.Count);
    }

    /// <summary>Fraction of anomalies scored above the threshold that lets exactly <paramref name="falsePositives"/> normal rows through (the k-th highest normal score).</summary>
    public static double DetectionAtFalsePositives(IReadOnlyList<double> normal, IReadOnlyList<double> anomalous, int falsePositives)
    {
        var sorted = normal.OrderByDescending(s => s).ToArray();
        double threshold = falsePositives < sorted.Length ? sorted[falsePositives] : double.NegativeInfinity;
        return anomalous.Count(s => s > threshold) / (double)anomalous.Count;
    }
}
