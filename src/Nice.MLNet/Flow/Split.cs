using System;
using System.Collections.Generic;

namespace Nice.MLNet.Flow;

/// <summary>The deterministic train/validation split: row i goes to validation when hash(seed, i) &lt;
/// fraction; or, cross-fitted, to fold ⌊hash(seed, i)·K⌋ (see <see cref="HeldOutRows"/>).</summary>
internal static class Split
{
    public static bool IsValidation(long row, int seed, double fraction)
        => fraction > 0 && Uniform(row, seed) < fraction;

    /// <summary>The fold ⌊u·K⌋ ∈ [0, K) of row <paramref name="row"/>, with the same hash u as
    /// <see cref="IsValidation"/>.</summary>
    public static int FoldOf(long row, int seed, int folds)
        => System.Math.Min(folds - 1, (int)(Uniform(row, seed) * folds));

    /// <summary>u ∈ [0, 1): splitmix64 of the row index and the seed.</summary>
    private static double Uniform(long row, int seed)
    {
        ulong z = unchecked((ulong)row * 0x9E3779B97F4A7C15UL + (ulong)(uint)seed * 0xBF58476D1CE4E5B9UL
            + 0x94D049BB133111EBUL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
