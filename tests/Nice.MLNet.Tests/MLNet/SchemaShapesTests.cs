using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Mapping;
using Xunit;

namespace Nice.MLNet.Tests.MLNet;

/// <summary>
/// The canary for the one workaround around ML.NET internals (SchemaShape.Column's constructor is internal): if a new ML.NET
/// stops reporting a CustomMapping's runtime SchemaDefinition in its output shape, these fail with the reason.
/// </summary>
public class SchemaShapesTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Describe_GivesExactlyTheRequestedColumns(bool slotNames)
    {
        var columns = SchemaShapes.Describe(new[]
        {
            AppendedColumn.Vector("Z", 5, slotNames), AppendedColumn.Single("LL"), AppendedColumn.Boolean("Flag"),
        });
        Assert.Equal(3, columns.Length);
        var (vector, scalar, flag) = (columns[0], columns[1], columns[2]);
        Assert.Equal("Z", vector.Name);
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, vector.Kind);
        Assert.Equal(NumberDataViewType.Single, vector.ItemType);
        Assert.False(vector.IsKey);
        Assert.Equal(slotNames, vector.Annotations.Any(a => a.Name == "SlotNames"));
        Assert.Equal("LL", scalar.Name);
        Assert.Equal(SchemaShape.Column.VectorKind.Scalar, scalar.Kind);
        Assert.Equal(NumberDataViewType.Single, scalar.ItemType);
        Assert.Equal("Flag", flag.Name);
        Assert.Equal(SchemaShape.Column.VectorKind.Scalar, flag.Kind);
        Assert.Equal(BooleanDataViewType.Instance, flag.ItemType);
    }

    [Fact]
    public void EstimatorShape_MatchesTheFittedTransformersSchema()
    {
        var ml = new MLContext(1);
        var data = Fixtures.Data(ml, Fixtures.Correlated(40));
        var estimator = ml.Transforms.Nice(Fixtures.Small(1));
        var input = SchemaShapes.Describe(new[] { AppendedColumn.Vector("Features", 4), AppendedColumn.Single("Label") });
        var shape = estimator.GetOutputSchema(new SchemaShape(input));
        using var model = estimator.Fit(data);
        var schema = model.GetOutputSchema(data.Schema);
        foreach (var name in new[] { "Latent", "LogLikelihood" })
        {
            var c = shape.Single(s => s.Name == name);
            var type = schema[name].Type;
            Assert.Equal(type is VectorDataViewType, c.Kind == SchemaShape.Column.VectorKind.Vector);
            Assert.Equal(type is VectorDataViewType v ? v.ItemType : type, c.ItemType);
        }
    }
}
