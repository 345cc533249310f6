using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Mapping;

/// <summary>Rows as jagged arrays, as one row-major array, and as a one-column IDataView.</summary>
internal static class RowArrays
{
    /// <summary>The rows one after another; throws naming the row that is null or not of length
    /// <paramref name="dimension"/>.</summary>
    public static float[] Flatten(IReadOnlyList<float[]> rows, int dimension, string name)
    {
        ArgumentNullException.ThrowIfNull(rows, name);
        var flat = new float[checked(rows.Count * dimension)];
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i] is null || rows[i].Length != dimension)
                throw new ArgumentException(
                    $"{name}[{i}] has {rows[i]?.Length ?? 0} values; the model expects {dimension}.", name);
            rows[i].CopyTo(flat, i * dimension);
        }
        return flat;
    }

    /// <summary>The first <paramref name="count"/> rows of a row-major array.</summary>
    public static float[][] Split(float[] flat, int count, int dimension)
    {
        var result = new float[count][];
        for (int i = 0; i < count; i++) result[i] = flat.AsSpan(i * dimension, dimension).ToArray();
        return result;
    }

    /// <summary>The rows as an IDataView with one column <paramref name="name"/>, a vector of
    /// <paramref name="dimension"/> Single.</summary>
    public static IDataView ToDataView(MLContext mlContext, float[][] rows, string name, int dimension)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var definition = SchemaDefinition.Create(typeof(VectorRow));
        definition[0].ColumnName = name;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimension);
        return mlContext.Data.LoadFromEnumerable(rows.Select(r => new VectorRow { Values = r }), definition);
    }

    private sealed class VectorRow
    {
        public float[] Values = Array.Empty<float>();
    }
}
