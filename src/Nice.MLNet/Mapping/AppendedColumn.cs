using Microsoft.ML.Data;

namespace Nice.MLNet.Mapping;

/// <summary>
/// A column computed from each row's feature vector: a known-size vector of Single (with the features' slot names when
/// <see cref="SlotNames"/>), a Single, or a Boolean.
/// </summary>
internal sealed record AppendedColumn(string Name, DataViewType Type, bool SlotNames = false)
{
    /// <summary>A vector of <paramref name="size"/> Single values.</summary>
    public static AppendedColumn Vector(string name, int size, bool slotNames = false)
        => new(name, new VectorDataViewType(NumberDataViewType.Single, size), slotNames);

    /// <summary>A Single value.</summary>
    public static AppendedColumn Single(string name) => new(name, NumberDataViewType.Single);

    /// <summary>A Boolean value.</summary>
    public static AppendedColumn Boolean(string name) => new(name, BooleanDataViewType.Instance);

    /// <summary>Values per row in the batch buffer: the vector's size, or 1.</summary>
    public int Width => Type is VectorDataViewType v ? v.Size : 1;
}
