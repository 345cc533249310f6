using System;
using System.Linq;

namespace Nice.MLNet.Tabular;

/// <summary>The suite's metrics, computed as baselines.py does. Scores: higher = more anomalous; NaN counts as +∞.</summary>
public static class TabularMetrics
{
    public const double RequestedFalsePositiveRate = 0.01;

    /// <summary>P(anomaly score &gt; normal score), ties ½ (Mann–Whitney).</summary>
    public static double Auroc(float[] scores, float[] labels)
    {
        var all = scores.Select((s, i) => (S: Clean(s), A: labels[i] > 0)).OrderBy(p => p.S).ToArray();
        double rankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j].S == all[i].S) j++;
            double mid = (i + 1 + j) / 2.0;
            for (int k = i; k < j; k++) if (all[k].A) rankSum += mid;
            i = j;
        }
        double n1 = all.Count(p => p.A), n0 = all.Length - n1;
        return (rankSum - n1 * (n1 + 1) / 2) / (n1 * n0);
    }

    /// <summary>The (1 − rate) empirical quantile (rank ⌈n(1 − rate)⌉), so at most a fraction rate lies strictly above.</summary>
    public static double Threshold(float[] scores, double rate)
    {
        var s = scores.Select(Clean).OrderBy(v => v).ToArray();
        int rank = (int)Math.Ceiling(s.Length * (1 - rate) - 1e-9);
        return s[Math.Clamp(rank - 1, 0, s.Length - 1)];
    }

    /// <summary>Fraction of anomalies strictly above the threshold flagging ≤ 5% of the test normals.</summary>
    public static double DetectionAt5(float[] scores, float[] labels)
    {
        double t = Threshold(scores.Where((_, i) => labels[i] == 0).ToArray(), 0.05);
        var a = scores.Where((_, i) => labels[i] > 0).Select(Clean).ToArray();
        return a.Count(s => s > t) / (double)a.Length;
    }

    /// <summary>Fraction of test normals strictly above <paramref name="threshold"/>.</summary>
    public static double FalsePositiveRate(float[] scores, float[] labels, double threshold)
    {
        var n = scores.Where((_, i) => labels[i] == 0).Select(Clean).ToArray();
        return n.Count(s => s > threshold) / (double)n.Length;
    }

    private static double Clean(float s) => float.IsNaN(s) ? double.PositiveInfinity : s;
}
