using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Data;

/// <summary>
/// The one workaround for an internal ML.NET API, kept in this file alone: <c>SchemaShape.Column</c>'s constructor is internal
/// in ML.NET 5, so an estimator outside ML.NET cannot describe its output columns directly. A <c>CustomMapping</c> estimator
/// built from a runtime <see cref="SchemaDefinition"/> (all public API) reports exactly the columns we describe, and we take
/// them from its output shape. <c>SchemaShapesTests</c> fails loudly if ML.NET changes this behaviour.
/// </summary>
internal static class SchemaShapes
{
    public sealed class NoInput { }

    public sealed class Outputs
    {
        public float[] Vector = Array.Empty<float>();
        public float Scalar;
    }

    /// <summary>Shape columns for a known-size Single vector named <paramref name="vectorName"/> (with a SlotNames annotation when asked) and a Single scalar named <paramref name="scalarName"/>.</summary>
    public static (SchemaShape.Column Vector, SchemaShape.Column Scalar) SingleVectorAndScalar(string vectorName, bool slotNames, string scalarName)
    {
        const int anySize = 2; // a shape records "known-size vector", not the size
        var definition = SchemaDefinition.Create(typeof(Outputs));
        var vector = definition.Single(c => c.MemberName == nameof(Outputs.Vector));
        vector.ColumnName = vectorName;
        vector.ColumnType = new VectorDataViewType(NumberDataViewType.Single, anySize);
        if (slotNames)
        {
            var names = new VBuffer<ReadOnlyMemory<char>>(anySize, new[] { "a".AsMemory(), "b".AsMemory() });
            vector.AddAnnotation("SlotNames", names, new VectorDataViewType(TextDataViewType.Instance, anySize));
        }
        definition.Single(c => c.MemberName == nameof(Outputs.Scalar)).ColumnName = scalarName;
        var estimator = new MLContext().Transforms.CustomMapping<NoInput, Outputs>((_, _) => { }, null, outputSchemaDefinition: definition);
        var shape = estimator.GetOutputSchema(new SchemaShape(Array.Empty<SchemaShape.Column>()));
        var v = shape.Where(c => c.Name == vectorName).ToArray();
        var s = shape.Where(c => c.Name == scalarName).ToArray();
        if (v.Length != 1 || s.Length != 1)
            throw new InvalidOperationException("ML.NET's CustomMapping no longer reports the columns of its output SchemaDefinition; Nice.MLNet's SchemaShapes needs updating.");
        return (v[0], s[0]);
    }
}
