using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Mapping;

/// <summary>Checks that a schema's input column is what NICE reads — a known-size vector of Single with D ≥ 2 — with
/// errors that name the column.</summary>
internal static class InputColumn
{
    /// <summary>The column and its D. Throws <see cref="ArgumentOutOfRangeException"/> (missing column) or
    /// <see cref="ArgumentException"/> (wrong type, D &lt; 2, D ≠ <paramref name="expectedDimension"/>).</summary>
    public static (DataViewSchema.Column Column, int Dimension) Find(DataViewSchema schema, string name,
        int? expectedDimension = null)
    {
        var column = schema.GetColumnOrNull(name);
        if (column is null)
        {
            var have = string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"));
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Input column '{name}' not found; the data has columns {have}.");
        }
        var type = column.Value.Type;
        if (type is not VectorDataViewType vector || vector.ItemType != NumberDataViewType.Single)
            throw new ArgumentException(
                $"Input column '{name}' is {type}; NICE needs a known-size vector of Single. " +
                (type is VectorDataViewType { ItemType: NumberDataViewType } || type is NumberDataViewType
                    ? $"Convert it first, e.g. mlContext.Transforms.Conversion.ConvertType(\"{name}\", outputKind: " +
                        $"DataKind.Single), or gather scalar columns with mlContext.Transforms.Concatenate."
                    : ""), nameof(schema));
        if (!vector.IsKnownSize)
            throw new ArgumentException($"Input column '{name}' is a variable-size vector; NICE needs every row to " +
                $"have the same known size D (use a loader or transform that declares the size).", nameof(schema));
        if (vector.Size < 2)
            throw new ArgumentException($"Input column '{name}' has size {vector.Size}; NICE splits each row in two, " +
                $"so it needs D >= 2.", nameof(schema));
        if (expectedDimension is int d && vector.Size != d)
            throw new ArgumentException($"Input column '{name}' has size {vector.Size}, but the model was trained on " +
                $"size {d}.", nameof(schema));
        return (column.Value, vector.Size);
    }

    /// <summary>The column's slot names, when it has them with the right size.</summary>
    public static VBuffer<ReadOnlyMemory<char>>? SlotNames(DataViewSchema.Column column, int dimension)
    {
        if (!column.HasSlotNames()) return null;
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.GetSlotNames(ref names);
        return names.Length == dimension ? names : null;
    }
}
