using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Anomaly;

/// <summary>
/// Shape columns for a Single scalar and a Boolean scalar, by the same public-API workaround as <c>Data.SchemaShapes</c>
/// (<c>SchemaShape.Column</c>'s constructor is internal in ML.NET 5): a <c>CustomMapping</c> estimator's output shape.
/// </summary>
internal static class AnomalySchemaShapes
{
    public sealed class NoInput { }

    public sealed class Outputs
    {
        public float Score;
        public bool PredictedLabel;
    }

    public static (SchemaShape.Column Score, SchemaShape.Column PredictedLabel) SingleAndBoolean(string scoreName, string predictedLabelName)
    {
        var definition = SchemaDefinition.Create(typeof(Outputs));
        definition.Single(c => c.MemberName == nameof(Outputs.Score)).ColumnName = scoreName;
        definition.Single(c => c.MemberName == nameof(Outputs.PredictedLabel)).ColumnName = predictedLabelName;
        var estimator = new MLContext().Transforms.CustomMapping<NoInput, Outputs>((_, _) => { }, null, outputSchemaDefinition: definition);
        var shape = estimator.GetOutputSchema(new SchemaShape(Array.Empty<SchemaShape.Column>()));
        var s = shape.Where(c => c.Name == scoreName).ToArray();
        var p = shape.Where(c => c.Name == predictedLabelName).ToArray();
        if (s.Length != 1 || p.Length != 1)
            throw new InvalidOperationException("ML.NET's CustomMapping no longer reports the columns of its output SchemaDefinition; Nice.MLNet's AnomalySchemaShapes needs updating.");
        return (s[0], p[0]);
    }
}
