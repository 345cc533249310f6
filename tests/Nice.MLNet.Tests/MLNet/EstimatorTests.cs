using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace Nice.MLNet.Tests.MLNet;

public class EstimatorTests
{
    private readonly MLContext ml = new(seed: 1);

    [Fact]
    public void Transform_AppendsLatentAndLogLikelihood_KeepingInputColumns()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(300));
        using var model = ml.Transforms.Nice(Fixtures.Small()).Fit(data);
        var scored = model.Transform(data);
        var schema = scored.Schema;
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 4), schema["Latent"].Type);
        Assert.Equal(NumberDataViewType.Single, schema["LogLikelihood"].Type);
        Assert.NotNull(schema.GetColumnOrNull("Features"));
        Assert.NotNull(schema.GetColumnOrNull("Label"));
        var ll = Fixtures.Column(scored, "LogLikelihood");
        Assert.Equal(300, ll.Length);
        Assert.All(ll, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(Fixtures.Column(data, "Label"), Fixtures.Column(scored, "Label"));
        Assert.Equal(Fixtures.VectorColumn(data, "Features").Select(r => r.Sum()), Fixtures.VectorColumn(scored, "Features").Select(r => r.Sum()));
    }

    [Fact]
    public void Transform_BatchedCursor_AgreesWithRowByRowPredictionEngine()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(1000));
        using var model = ml.Transforms.Nice(Fixtures.Small()).Fit(data);
        var batched = Fixtures.Column(model.Transform(data), "LogLikelihood");
        var latent = Fixtures.VectorColumn(model.Transform(data), "Latent");
        var engine = ml.Model.CreatePredictionEngine<VectorRow, NicePrediction>(model);
        var rows = Fixtures.Correlated(1000);
        for (int i = 0; i < rows.Length; i += 97)
        {
            var p = engine.Predict(rows[i]);
            Approx.Equal(batched[i], p.LogLikelihood, 1e-4, $"row {i} log-likelihood");
            for (int j = 0; j < 4; j++) Approx.Equal(latent[i][j], p.Latent[j], 1e-4, $"row {i} latent {j}");
        }
    }

    [Fact]
    public void GetOutputSchema_ChainsWithOtherEstimators()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(50));
        var pipeline = ml.Transforms.NormalizeMinMax("Features")
            .Append(ml.Transforms.Nice(Fixtures.Small(1)))
            .Append(ml.Transforms.Concatenate("Both", "Latent", "Features"));
        // SchemaShape.Create is internal; the same helper the estimator uses builds the input's shape.
        var shapeColumns = Nice.MLNet.Mapping.SchemaShapes.Describe(new[]
        {
            Nice.MLNet.Mapping.AppendedColumn.Vector("Features", 4), Nice.MLNet.Mapping.AppendedColumn.Single("Label"),
        });
        var (features, label) = (shapeColumns[0], shapeColumns[1]);
        var shape = pipeline.GetOutputSchema(new SchemaShape(new[] { features, label }));
        var both = shape.Single(c => c.Name == "Both");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, both.Kind);
        var ll = shape.Single(c => c.Name == "LogLikelihood");
        Assert.Equal(SchemaShape.Column.VectorKind.Scalar, ll.Kind);
        Assert.Equal(NumberDataViewType.Single, ll.ItemType);
        var model = pipeline.Fit(data);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 8), model.Transform(data).Schema["Both"].Type);
    }
}

public class TrainingTimeLimitTests
{
    private readonly MLContext ml = new(seed: 1);

    [Fact]
    public void MaxTrainingTime_StopsAfterTheEpochThatCrossesIt_AndFitReturnsAModel()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(4000));
        var limit = TimeSpan.FromMilliseconds(400);
        var options = Fixtures.Small(epochs: 100_000);
        options.EarlyStoppingPatience = 0;
        options.MaxTrainingTime = limit;
        using var model = ml.Transforms.Nice(options).Fit(data);
        var history = model.TrainingSummary!.History;
        double before = history.Take(history.Count - 1).Sum(r => r.Seconds), all = history.Sum(r => r.Seconds);
        Assert.InRange(history.Count, 1, 99_999);
        Assert.True(before < limit.TotalSeconds, $"epochs before the last took {before:F3} s: training should have stopped earlier");
        Assert.True(all >= 0.5 * limit.TotalSeconds, $"the epochs took {all:F3} s in all: training stopped long before the {limit.TotalSeconds} s limit");
        Assert.All(Fixtures.Column(model.Transform(data), "LogLikelihood"), v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void MaxTrainingTime_NotPositive_IsRefusedNamingTheOption(int seconds)
    {
        var options = Fixtures.Small();
        options.MaxTrainingTime = TimeSpan.FromSeconds(seconds);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Nice(options));
        Assert.Equal(nameof(NiceOptions.MaxTrainingTime), e.ParamName);
        Assert.Contains("MaxTrainingTime", e.Message);
    }
}
