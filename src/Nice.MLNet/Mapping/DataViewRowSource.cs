using System;
using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Flow;

namespace Nice.MLNet.Mapping;

/// <summary>
/// The training rows of an IDataView column as an <see cref="IRowSource"/>: one cursor per read, one row buffer,
/// nothing else held. A row with NaN/infinity (or, with dequantization, a value off the quantization range) is refused
/// with its row number, or skipped and counted.
/// </summary>
internal sealed class DataViewRowSource : IRowSource
{
    private readonly IDataView data;
    private readonly DataViewSchema.Column column;
    private readonly bool skipNonFinite;
    private readonly Dequantization? dequantization;

    public DataViewRowSource(IDataView data, DataViewSchema.Column column, int dimension, bool skipNonFinite,
        Dequantization? dequantization)
    {
        this.data = data;
        this.column = column;
        Dimension = dimension;
        this.skipNonFinite = skipNonFinite;
        this.dequantization = dequantization;
    }

    public int Dimension { get; }

    /// <summary>Rows skipped in the last complete read.</summary>
    public long SkippedRows { get; private set; }

    /// <summary>Rows served in the last complete read.</summary>
    public long Rows { get; private set; }

    public IEnumerable<ReadOnlyMemory<float>> ReadRows()
    {
        var dense = new float[Dimension];
        VBuffer<float> buffer = default;
        long row = -1, skipped = 0, served = 0;
        using var cursor = data.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        while (cursor.MoveNext())
        {
            row++;
            getter(ref buffer);
            if (buffer.Length != Dimension)
                throw new InvalidOperationException($"Row {row} of column '{column.Name}' has {buffer.Length} " +
                    $"values; expected {Dimension}.");
            buffer.CopyTo(dense);
            string? problem = Check(dense);
            if (problem != null)
            {
                if (!skipNonFinite || dequantization != null && problem.StartsWith("value", StringComparison.Ordinal))
                    throw new InvalidOperationException($"Row {row} of column '{column.Name}' {problem}" +
                        (skipNonFinite ? ""
                            : " Remove such rows (mlContext.Data.FilterRowsByMissingValues), or set " +
                                "NiceOptions.SkipNonFiniteRows = true to skip them."));
                skipped++;
                continue;
            }
            served++;
            yield return dense;
        }
        SkippedRows = skipped;
        Rows = served;
        if (served == 0)
            throw new InvalidOperationException(row < 0
                ? $"The training data has no rows (column '{column.Name}')."
                : $"The training data has no usable rows in column '{column.Name}': all {skipped} rows had NaN or " +
                    $"infinity.");
    }

    private string? Check(float[] row)
    {
        for (int j = 0; j < row.Length; j++)
        {
            float v = row[j];
            if (!float.IsFinite(v)) return $"has {v} at slot {j}; NICE trains on finite values only.";
            if (dequantization != null && !dequantization.InRange(v))
                return $"value {v} at slot {j} is not on the quantization grid: with DequantizationLevels = " +
                    $"{dequantization.Levels}, QuantizationStep = {dequantization.Step} and QuantizationOffset = " +
                        $"{dequantization.Offset}, values must lie in [{dequantization.Offset}, " +
                            $"{dequantization.Offset + (dequantization.Levels - 1) * dequantization.Step}].";
        }
        return null;
    }
}
