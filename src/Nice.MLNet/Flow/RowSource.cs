using System;
using System.Collections.Generic;

namespace Nice.MLNet.Flow;

/// <summary>
/// A re-readable sequence of rows of D floats, in a stable order. The flow's training reads it once per epoch
/// (streaming) or once in all (cached), and never needs it to fit in memory.
/// </summary>
internal interface IRowSource
{
    int Dimension { get; }

    /// <summary>
    /// Enumerates the rows in order. The memory handed out may be reused by the next <c>MoveNext</c>: copy it to keep it.
    /// Throws <see cref="InvalidOperationException"/> naming the row when a row is not what is expected.
    /// </summary>
    IEnumerable<ReadOnlyMemory<float>> ReadRows();
}

/// <summary>Rows held in one array, row-major.</summary>
internal sealed class ArrayRowSource : IRowSource
{
    private readonly float[] data;

    public ArrayRowSource(float[] data, int dimension)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension));
        if (data.Length % dimension != 0) throw new ArgumentException($"The array's length {data.Length} is not a multiple of D = {dimension}.", nameof(data));
        this.data = data;
        Dimension = dimension;
    }

    public int Dimension { get; }

    public int Count => data.Length / Dimension;

    public IEnumerable<ReadOnlyMemory<float>> ReadRows()
    {
        for (int i = 0; i < Count; i++) yield return new ReadOnlyMemory<float>(data, i * Dimension, Dimension);
    }
}

/// <summary>The deterministic train/validation split: row i goes to validation when hash(seed, i) &lt; fraction.</summary>
internal static class Split
{
    public static bool IsValidation(long row, int seed, double fraction)
    {
        if (fraction <= 0) return false;
        ulong z = unchecked((ulong)row * 0x9E3779B97F4A7C15UL + (ulong)(uint)seed * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53)) < fraction;
    }
}
