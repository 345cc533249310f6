using System;
using System.Linq;
using System.Numerics;

namespace Nice.MLNet.Flow;

/// <summary>
/// The checks on a whitening's values shared by <see cref="Whitening.Set(WhiteningParts)"/> and a saved model's weights
/// (which are checked without TorchSharp).
/// </summary>
internal static class WhiteningValues
{
    /// <summary>How far VᵀV may be from I (float32 rounding of an orthonormal basis is ≈ 10⁻⁶).</summary>
    public const float OrthonormalTolerance = 1e-3f;

    /// <summary>The shape of a whitening's "weight": [1] (low-rank, <paramref name="rank"/> ≥ 1), [D, D] (full) or [D]
    /// (diagonal).</summary>
    public static long[] WeightShape(NiceWhitening kind, int d, int rank)
        => rank > 0 ? new long[] { 1 } : kind == NiceWhitening.Full ? new long[] { d, d } : new long[] { d };

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <paramref name="parts"/> fits a whitening of
    /// <paramref name="kind"/>, dimension <paramref name="d"/> and basis width <paramref name="rank"/> (0: no basis):
    /// D mean values; a weight of D × D (full, row-major, lower triangular with a positive diagonal), D (diagonal,
    /// positive) or, with a rank K, one positive scale s, a basis V of D × K with orthonormal columns and K gains with
    /// s + gᵢ > 0 (so W = s I + V diag(g) Vᵀ is positive definite); every value finite.
    /// </summary>
    public static void Check(NiceWhitening kind, int d, int rank, WhiteningParts parts)
    {
        var (mean, weight) = (parts.Mean, parts.Weight);
        long size = WeightShape(kind, d, rank).Aggregate(1L, (a, b) => a * b);
        if (mean.Length != d || weight.Length != size)
            throw new ArgumentException($"Whitening needs {d} mean values and {size} weights; got "
                + $"{mean.Length} and {weight.Length}.");
        foreach (var v in mean)
            if (!float.IsFinite(v)) throw new ArgumentException("The whitening mean holds a non-finite value.");
        if (rank > 0)
        {
            CheckLowRank(d, rank, weight[0], parts.Basis, parts.Gain);
            return;
        }
        if (parts.Basis != null || parts.Gain != null)
            throw new ArgumentException("A whitening without a rank has no basis and no gains.");
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

    private static void CheckLowRank(int d, int rank, float scale, float[]? basis, float[]? gain)
    {
        if (basis is null || gain is null || basis.Length != (long)d * rank || gain.Length != rank)
            throw new ArgumentException($"A rank-{rank} whitening needs a basis of {d} × {rank} values and {rank} "
                + $"gains; got {basis?.Length ?? 0} and {gain?.Length ?? 0}.");
        if (!float.IsFinite(scale) || !(scale > 0))
            throw new ArgumentException($"The whitening's scale must be finite and > 0 (it is {scale}).");
        for (int i = 0; i < rank; i++)
            if (!float.IsFinite(gain[i]) || !(scale + gain[i] > 0))
                throw new ArgumentException($"The whitening's gain {i} must be finite with scale + gain > 0 "
                    + $"(it is {gain[i]}, scale {scale}).");
        foreach (var v in basis)
            if (!float.IsFinite(v)) throw new ArgumentException("The whitening basis holds a non-finite value.");
        CheckOrthonormal(d, rank, basis, "The whitening basis");
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> (naming <paramref name="name"/>) unless the row-major
    /// <paramref name="d"/> × <paramref name="rank"/> <paramref name="basis"/> has orthonormal columns within
    /// <see cref="OrthonormalTolerance"/>: the whitening's V and the radial step's B.
    /// </summary>
    public static void CheckOrthonormal(int d, int rank, float[] basis, string name)
    {
        // VᵀV = I: the columns, transposed into rows, then every pair's dot product.
        var columns = new float[rank][];
        for (int j = 0; j < rank; j++)
        {
            var column = columns[j] = new float[d];
            for (int i = 0; i < d; i++) column[i] = basis[(long)i * rank + j];
        }
        for (int a = 0; a < rank; a++)
            for (int c = a; c < rank; c++)
            {
                float dot = Dot(columns[a], columns[c]), expected = a == c ? 1 : 0;
                if (!(Math.Abs(dot - expected) <= OrthonormalTolerance))
                    throw new ArgumentException($"{name} must have orthonormal columns (columns {a} and {c} have "
                        + $"dot product {dot}).");
            }
    }

    private static float Dot(float[] x, float[] y)
    {
        int n = x.Length, i = 0, width = Vector<float>.Count;
        var acc = Vector<float>.Zero;
        for (; i <= n - width; i += width) acc += new Vector<float>(x, i) * new Vector<float>(y, i);
        float sum = Vector.Dot(acc, Vector<float>.One);
        for (; i < n; i++) sum += x[i] * y[i];
        return sum;
    }
}
