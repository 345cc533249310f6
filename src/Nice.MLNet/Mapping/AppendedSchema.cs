using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Mapping;

/// <summary>
/// An input schema followed by columns computed from one of its columns, the features (a known-size vector of Single
/// of size D). Output column i &lt; Input.Count is input column i; the rest are <see cref="Columns"/> in order.
/// </summary>
internal sealed class AppendedSchema
{
    public AppendedSchema(DataViewSchema input, string featureColumn, int dimension,
        IReadOnlyList<AppendedColumn> columns)
    {
        var (features, _) = InputColumn.Find(input, featureColumn, dimension);
        Input = input;
        Features = features;
        Dimension = dimension;
        Columns = columns;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        var names = columns.Any(c => c.SlotNames) ? InputColumn.SlotNames(features, dimension) : null;
        foreach (var c in columns)
        {
            var annotations = new DataViewSchema.Annotations.Builder();
            if (c.SlotNames && names is VBuffer<ReadOnlyMemory<char>> n && c.Width == dimension)
                annotations.Add("SlotNames", new VectorDataViewType(TextDataViewType.Instance, dimension),
                    (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> dst)
                        => n.CopyTo(ref dst)));
            builder.AddColumn(c.Name, c.Type, annotations.ToAnnotations());
        }
        Schema = builder.ToSchema();
    }

    public DataViewSchema Input { get; }
    public DataViewSchema Schema { get; }
    public DataViewSchema.Column Features { get; }
    public int Dimension { get; }
    public IReadOnlyList<AppendedColumn> Columns { get; }

    /// <summary>True for the appended (computed) columns.</summary>
    public bool IsOutput(int index) => index >= Input.Count;

    /// <summary>The position in <see cref="Columns"/> of output schema column <paramref name="index"/>.</summary>
    public int OutputIndex(int index) => index - Input.Count;

    /// <summary>The appended columns among <paramref name="active"/>, as positions in <see cref="Columns"/>.</summary>
    public int[] ActiveOutputs(IEnumerable<int> active)
        => active.Where(IsOutput).Select(OutputIndex).Distinct().ToArray();

    /// <summary>
    /// The input columns that serving <paramref name="active"/> needs: the pass-through ones asked for, and the
    /// features when any computed column is asked for.
    /// </summary>
    public DataViewSchema.Column[] InputsNeeded(IEnumerable<int> active)
    {
        var set = active.ToHashSet();
        var needed = set.Where(i => !IsOutput(i)).ToHashSet();
        if (set.Any(IsOutput)) needed.Add(Features.Index);
        return needed.Select(i => Input[i]).ToArray();
    }
}
