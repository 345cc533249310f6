using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Tests.MLNet;
using Xunit;
using Xunit.Abstractions;
using Nice.MLNet.Anomaly;

namespace Nice.MLNet.Tests.Anomaly;

public class EvaluationLabelTests
{
    private readonly MLContext ml = new(seed: 1);
    private readonly ITestOutputHelper output;

    public EvaluationLabelTests(ITestOutputHelper output) => this.output = output;

    private IDataView BoolLabelled(NiceAnomalyDetector detector)
    {
        var rows = AnomalyFixtures.NormalThenShifted(150, 50, shift: 3, seed: 9)
            .Select(r => new BoolLabelRow { Features = r.Features, Label = r.Label > 0 });
        return detector.Transform(ml.Data.LoadFromEnumerable(rows));
    }

    [Fact]
    public void BooleanLabel_IsRefusedByMLNetEvaluate_AndEvaluateCheckedSaysHowToConvert()
    {
        using var detector = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small(epochs: 3)).Fit(Fixtures.Data(ml, Fixtures.Correlated(300)));
        var scored = BoolLabelled(detector);
        var mlNet = Assert.ThrowsAny<Exception>(() => ml.AnomalyDetection.Evaluate(scored));
        output.WriteLine($"ML.NET: {mlNet.GetType().Name}: {mlNet.Message}");
        var e = Assert.Throws<ArgumentException>(() => ml.AnomalyDetection.EvaluateChecked(scored));
        output.WriteLine($"EvaluateChecked: {e.Message}");
        Assert.Contains("'Label' is Boolean", e.Message);
        Assert.Contains("Single (> 0 = anomaly)", e.Message);
        Assert.Contains("ConvertType(\"Label\", outputKind: DataKind.Single)", e.Message);

        // The advice works: converted, the same data evaluates.
        var converted = ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Single).Fit(scored).Transform(scored);
        var metrics = ml.AnomalyDetection.EvaluateChecked(converted);
        Assert.InRange(metrics.AreaUnderRocCurve, 0.8, 1.0);
    }

    [Fact]
    public void LabelProblem_AcceptsSingleAndTwoValueKeys_Only()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("S", NumberDataViewType.Single);
        builder.AddColumn("K2", new KeyDataViewType(typeof(uint), 2));
        builder.AddColumn("K3", new KeyDataViewType(typeof(uint), 3));
        builder.AddColumn("B", BooleanDataViewType.Instance);
        builder.AddColumn("D", NumberDataViewType.Double);
        var schema = builder.ToSchema();
        Assert.Null(NiceAnomalyCatalog.LabelProblem(schema, "S"));
        Assert.Null(NiceAnomalyCatalog.LabelProblem(schema, "K2"));
        Assert.NotNull(NiceAnomalyCatalog.LabelProblem(schema, "K3"));
        Assert.Contains("Boolean", NiceAnomalyCatalog.LabelProblem(schema, "B"));
        Assert.Contains("Double", NiceAnomalyCatalog.LabelProblem(schema, "D"));
        Assert.Contains("not found", NiceAnomalyCatalog.LabelProblem(schema, "Missing"));
    }
}
