using System;

namespace Nice.MLNet.Flow;

/// <summary>
/// The checks on a whitening's μ and W shared by <see cref="Whitening.Set"/> and a saved model's weights (which are
/// checked without TorchSharp).
/// </summary>
internal static class WhiteningValues
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <paramref name="mean"/> has D values and
    /// <paramref name="weight"/> D × D (full, row-major) or D (diagonal), all finite, with W lower triangular (full)
    /// and its diagonal positive.
    /// </summary>
    public static void Check(NiceWhitening kind, int d, ReadOnlySpan<float> mean, ReadOnlySpan<float> weight)
    {
        long size = kind == NiceWhitening.Full ? (long)d * d : d;
        if (mean.Length != d || weight.Length != size)
            throw new ArgumentException($"Whitening needs {d} mean values and {size} weights; got "
                + $"{mean.Length} and {weight.Length}.");
        foreach (var v in mean)
            if (!float.IsFinite(v)) throw new ArgumentException("The whitening mean holds a non-finite value.");
        for (int k = 0; k < weight.Length; k++)
        {
            int i = kind == NiceWhitening.Full ? k / d : k, j = k % d;
            float v = weight[k];
            if (!float.IsFinite(v)) throw new ArgumentException("The whitening weight holds a non-finite value.");
            if (i == j && !(v > 0))
                throw new ArgumentException($"The whitening weight's diagonal must be > 0 (entry {j} is {v}).");
            if (j > i && v != 0)
                throw new ArgumentException(
                    $"The full whitening weight must be lower triangular (entry [{i}, {j}] is {v}).");
        }
    }
}
