using System;
using System.Collections.Generic;

namespace Nice.MLNet.Flow;

/// <summary>The deterministic train/validation split: row i goes to validation when hash(seed, i) &lt;
/// fraction.</summary>
internal static class Split
{
    public static bool IsValidation(long row, int seed, double fraction)
    {
        if (fraction <= 0) return false;
        ulong z = unchecked((ulong)row * 0x9E3779B97F4A7C15UL + (ulong)(uint)seed * 0xBF58476D1CE4E5B9UL
            + 0x94D049BB133111EBUL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53)) < fraction;
    }
}
