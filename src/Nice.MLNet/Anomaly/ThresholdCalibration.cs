using System;
using System.Collections.Generic;
using System.Linq;

namespace Nice.MLNet.Anomaly;

/// <summary>Threshold calibration: the smallest training score t such that the fraction of scores strictly above t is
/// at most the target false-positive rate.</summary>
internal static class ThresholdCalibration
{
    /// <summary>
    /// With the n finite scores sorted ascending s₍₁₎ ≤ … ≤ s₍ₙ₎, t = s₍⌈n(1−α)⌉₎ (the (1−α) empirical quantile; α = 0
    /// gives the maximum), so at most ⌊nα⌋ rows score above t and, without ties, exactly that many. NaN scores (rows
    /// with NaN inputs) are ignored.
    /// </summary>
    public static float ForFalsePositiveRate(IEnumerable<float> scores, double falsePositiveRate)
    {
        CheckRate(falsePositiveRate);
        var sorted = scores.Where(s => !float.IsNaN(s)).ToArray();
        if (sorted.Length == 0)
            throw new InvalidOperationException("No finite scores to calibrate the threshold on (the calibration " +
                "data have no usable rows).");
        Array.Sort(sorted);
        int rank = (int)Math.Ceiling(sorted.Length * (1 - falsePositiveRate) - 1e-9);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Fraction of the finite scores strictly above <paramref name="threshold"/>.</summary>
    public static double Rate(IReadOnlyCollection<float> scores, float threshold)
    {
        var finite = scores.Where(s => !float.IsNaN(s)).ToArray();
        return finite.Length == 0 ? double.NaN : finite.Count(s => s > threshold) / (double)finite.Length;
    }

    public static void CheckRate(double falsePositiveRate)
    {
        if (!(falsePositiveRate >= 0 && falsePositiveRate < 1))
            throw new ArgumentOutOfRangeException(nameof(falsePositiveRate), falsePositiveRate,
                "The false-positive rate must be in [0, 1) (0.01 = 1% of normal rows flagged).");
    }
}
