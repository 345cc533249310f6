using System;
using System.Collections.Generic;

namespace Nice.MLNet.Flow;

/// <summary>Rows held in one array, row-major.</summary>
internal sealed class ArrayRowSource : IRowSource
{
    private readonly float[] data;

    public ArrayRowSource(float[] data, int dimension)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension));
        if (data.Length % dimension != 0)
            throw new ArgumentException($"The array's length {data.Length} is not a multiple of D = {dimension}.",
                nameof(data));
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
