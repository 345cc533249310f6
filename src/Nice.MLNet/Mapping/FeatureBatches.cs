using System;
using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Mapping;

/// <summary>Reads a feature column in batches of rows into one reused row-major buffer.</summary>
internal static class FeatureBatches
{
    /// <summary>
    /// The rows of <paramref name="column"/> (D = <paramref name="dimension"/> values each),
    /// <paramref name="batchSize"/> at a time: each item is the shared buffer and how many rows of it are filled (valid
    /// until the next item).
    /// </summary>
    public static IEnumerable<(float[] Rows, int Count)> Read(IDataView data, DataViewSchema.Column column,
        int dimension,
        int batchSize)
    {
        var buffer = new float[Math.Min(batchSize, 4096) * dimension];
        VBuffer<float> row = default;
        using var cursor = data.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        int count = 0;
        while (cursor.MoveNext())
        {
            getter(ref row);
            if (row.Length != dimension)
                throw new InvalidOperationException(
                    $"Row {cursor.Position} of column '{column.Name}' has {row.Length} values; the model expects " +
                        $"{dimension}.");
            if ((count + 1) * dimension > buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            row.CopyTo(buffer, count++ * dimension);
            if (count == batchSize)
            {
                yield return (buffer, count);
                count = 0;
            }
        }
        if (count > 0) yield return (buffer, count);
    }
}
