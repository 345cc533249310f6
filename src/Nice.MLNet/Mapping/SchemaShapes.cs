using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Mapping;

/// <summary>
/// The one workaround for an internal ML.NET API, kept in this file alone: <c>SchemaShape.Column</c>'s constructor is
/// internal in ML.NET 5, so an estimator outside ML.NET cannot describe its output columns directly. A
/// <c>CustomMapping</c> estimator built from a runtime <see cref="SchemaDefinition"/> (all public API) reports exactly
/// the columns we describe, and we take them from its output shape. <c>SchemaShapesTests</c> fails loudly if ML.NET
/// changes this behaviour.
/// </summary>
internal static class SchemaShapes
{
    public sealed class NoInput { }

    /// <summary>Members enough for the columns any Nice.MLNet estimator appends; unused ones are left out of the
    /// definition.</summary>
    public sealed class Outputs
    {
        public float[] Vector0 = Array.Empty<float>();
        public float[] Vector1 = Array.Empty<float>();
        public float Single0;
        public float Single1;
        public bool Boolean0;
        public bool Boolean1;
    }

    /// <summary>The input shape with <paramref name="columns"/> added (replacing input columns of the same
    /// name).</summary>
    public static SchemaShape Append(SchemaShape input, IReadOnlyList<AppendedColumn> columns)
    {
        var all = input.ToDictionary(c => c.Name);
        foreach (var c in Describe(columns)) all[c.Name] = c;
        return new SchemaShape(all.Values);
    }

    /// <summary>Shape columns for <paramref name="columns"/> (vectors of Single with SlotNames when asked, Single,
    /// Boolean).</summary>
    public static SchemaShape.Column[] Describe(IReadOnlyList<AppendedColumn> columns)
    {
        const int anySize = 2; // a shape records "known-size vector", not the size
        var definition = SchemaDefinition.Create(typeof(Outputs));
        var used = new List<SchemaDefinition.Column>();
        int vectors = 0, singles = 0, booleans = 0;
        foreach (var c in columns)
        {
            var member = c.Type switch
            {
                VectorDataViewType => $"Vector{vectors++}",
                BooleanDataViewType => $"Boolean{booleans++}",
                _ => $"Single{singles++}",
            };
            var column = definition.Single(d => d.MemberName == member);
            column.ColumnName = c.Name;
            if (c.Type is VectorDataViewType)
            {
                column.ColumnType = new VectorDataViewType(NumberDataViewType.Single, anySize);
                if (c.SlotNames)
                    column.AddAnnotation("SlotNames", new VBuffer<ReadOnlyMemory<char>>(anySize,
                        new[] { "a".AsMemory(), "b".AsMemory() }),
                        new VectorDataViewType(TextDataViewType.Instance, anySize));
            }
            used.Add(column);
        }
        definition.RemoveAll(d => !used.Contains(d));
        var estimator = new MLContext().Transforms.CustomMapping<NoInput, Outputs>((_, _) => { }, null,
            outputSchemaDefinition: definition);
        var shape = estimator.GetOutputSchema(new SchemaShape(Array.Empty<SchemaShape.Column>()));
        return columns.Select(c => shape.Where(s => s.Name == c.Name).ToArray() is { Length: 1 } found
                ? found[0]
                : throw new InvalidOperationException("ML.NET's CustomMapping no longer reports the columns of its " +
                    "output " +
                    "SchemaDefinition; Nice.MLNet's SchemaShapes needs updating."))
            .ToArray();
    }
}
