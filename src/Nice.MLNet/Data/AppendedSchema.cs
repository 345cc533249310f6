using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;

namespace Nice.MLNet.Data;

/// <summary>A schema made of the input's columns followed by columns computed from one input feature column.</summary>
internal interface IAppendedSchema
{
    DataViewSchema Input { get; }
    DataViewSchema.Column Features { get; }
}

internal static class AppendedSchema
{
    /// <summary>True for the appended (computed) columns.</summary>
    public static bool IsOutput(this IAppendedSchema schema, int index) => index >= schema.Input.Count;

    /// <summary>The input columns that serving <paramref name="active"/> needs: the pass-through ones asked for, and the features when any computed column is asked for.</summary>
    public static DataViewSchema.Column[] InputsNeeded(this IAppendedSchema schema, IEnumerable<int> active)
    {
        var set = active.ToHashSet();
        var needed = set.Where(i => !schema.IsOutput(i)).ToHashSet();
        if (set.Any(schema.IsOutput)) needed.Add(schema.Features.Index);
        return needed.Select(i => schema.Input[i]).ToArray();
    }
}
