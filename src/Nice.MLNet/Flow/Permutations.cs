using System;

namespace Nice.MLNet.Flow;

/// <summary>Permutations of 0…n−1 as index arrays: inverting and checking one, and the seeded random one the mixing
/// layers start from. No TorchSharp, so a saved model's permutations are checked without loading libtorch.</summary>
internal static class Permutations
{
    /// <summary>The inverse permutation; throws <see cref="ArgumentException"/> unless <paramref name="p"/> is a
    /// permutation of 0…n−1.</summary>
    public static long[] Invert(long[] p)
    {
        var inv = new long[p.Length];
        var seen = new bool[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] < 0 || p[i] >= p.Length || seen[p[i]])
                throw new ArgumentException($"Not a permutation of 0..{p.Length - 1}: entry {i} is {p[i]}.");
            seen[p[i]] = true;
            inv[p[i]] = i;
        }
        return inv;
    }

    /// <summary>A Fisher–Yates shuffle of 0…n−1 driven by SplitMix64(seed): the same permutation on every platform and
    /// runtime.</summary>
    public static long[] Random(int n, ulong seed)
    {
        var p = new long[n];
        for (int i = 0; i < n; i++) p[i] = i;
        ulong state = seed;
        for (int i = n - 1; i > 0; i--)
        {
            state += 0x9E3779B97F4A7C15UL;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            int j = (int)(z % (ulong)(i + 1));
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
