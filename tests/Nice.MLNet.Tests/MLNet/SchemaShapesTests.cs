using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Data;
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
    public void SingleVectorAndScalar_DescribesExactlyTheRequestedColumns(bool slotNames)
    {
        var (vector, scalar) = SchemaShapes.SingleVectorAndScalar("Z", slotNames, "LL");
        Assert.Equal("Z", vector.Name);
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, vector.Kind);
        Assert.Equal(NumberDataViewType.Single, vector.ItemType);
        Assert.False(vector.IsKey);
        Assert.Equal(slotNames, vector.Annotations.Any(a => a.Name == "SlotNames"));
        Assert.Equal("LL", scalar.Name);
        Assert.Equal(SchemaShape.Column.VectorKind.Scalar, scalar.Kind);
        Assert.Equal(NumberDataViewType.Single, scalar.ItemType);
    }

    [Fact]
    public void EstimatorShape_MatchesTheFittedTransformersSchema()
    {
        var ml = new MLContext(1);
        var data = Fixtures.Data(ml, Fixtures.Correlated(40));
        var estimator = ml.Transforms.Nice(Fixtures.Small(1));
        var (features, label) = SchemaShapes.SingleVectorAndScalar("Features", false, "Label");
        var shape = estimator.GetOutputSchema(new SchemaShape(new[] { features, label }));
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
