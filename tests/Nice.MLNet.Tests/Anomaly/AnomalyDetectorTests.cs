using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Tests.MLNet;
using Xunit;
using Nice.MLNet.Anomaly;

namespace Nice.MLNet.Tests.Anomaly;

public class AnomalyDetectorTests
{
    private readonly MLContext ml = new(seed: 1);

    [Fact]
    public void Transform_AppendsSingleScoreAndBooleanPredictedLabel_KeepingInputColumns()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(300));
        using var detector = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small()).Fit(data);
        var scored = detector.Transform(data);
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Score"].Type);
        Assert.Equal(BooleanDataViewType.Instance, scored.Schema["PredictedLabel"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 4), scored.Schema["Features"].Type);
        Assert.Equal(Fixtures.Column(data, "Label"), Fixtures.Column(scored, "Label"));
        Assert.Null(scored.Schema.GetColumnOrNull("LogLikelihood"));
        var scores = Fixtures.Column(scored, "Score");
        var flagged = AnomalyFixtures.BoolColumn(scored, "PredictedLabel");
        Assert.Equal(300, scores.Length);
        Assert.All(scores, s => Assert.True(float.IsFinite(s)));
        for (int i = 0; i < scores.Length; i++) Assert.Equal(scores[i] > detector.Threshold, flagged[i]);
        Assert.Equal(scores, detector.Score(Fixtures.Correlated(300).Select(r => r.Features).ToArray()));
    }

    [Fact]
    public void GetOutputSchema_AddsSingleScoreAndBooleanPredictedLabel()
    {
        var shapeColumns = Nice.MLNet.Mapping.SchemaShapes.Describe(new[]
        {
            Nice.MLNet.Mapping.AppendedColumn.Vector("Features", 4), Nice.MLNet.Mapping.AppendedColumn.Single("Label"),
        });
        var (features, label) = (shapeColumns[0], shapeColumns[1]);
        var shape = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small()).GetOutputSchema(new SchemaShape(new[] { features, label }));
        var score = shape.Single(c => c.Name == "Score");
        var predicted = shape.Single(c => c.Name == "PredictedLabel");
        Assert.Equal(NumberDataViewType.Single, score.ItemType);
        Assert.Equal(SchemaShape.Column.VectorKind.Scalar, score.Kind);
        Assert.Equal(BooleanDataViewType.Instance, predicted.ItemType);
        Assert.Equal(SchemaShape.Column.VectorKind.Scalar, predicted.Kind);
        Assert.Contains(shape, c => c.Name == "Label");
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small()).GetOutputSchema(new SchemaShape(new[] { label })));
        Assert.Contains("'Features'", missing.Message);
    }

    [Fact]
    public void Evaluate_WithSingleLabel_RunsOnOutput_AndSeparatesShiftedRows()
    {
        var train = Fixtures.Data(ml, Fixtures.Correlated(800, seed: 3));
        var test = Fixtures.Data(ml, AnomalyFixtures.NormalThenShifted(400, 100, shift: 2.5, seed: 7));
        using var detector = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small(epochs: 10)).Fit(train);
        var metrics = ml.AnomalyDetection.Evaluate(detector.Transform(test));
        Assert.InRange(metrics.AreaUnderRocCurve, 0.9, 1.0);
        Assert.InRange(metrics.DetectionRateAtFalsePositiveCount, 0.3, 1.0);
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.05)]
    [InlineData(0.2)]
    public void Threshold_FlagsTheRequestedFractionOfTrainingRows(double rate)
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(700, seed: 11));
        var options = AnomalyFixtures.Small(falsePositiveRate: rate, epochs: 3);
        options.Nice.ValidationFraction = 0;   // nothing held out: the threshold is set on the training rows
        using var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(data);
        var flagged = AnomalyFixtures.BoolColumn(detector.Transform(data), "PredictedLabel");
        double measured = flagged.Count(f => f) / (double)flagged.Length;
        Assert.InRange(measured, rate - 0.01, rate + 0.01);
        Assert.Equal(measured, detector.CalibrationFalsePositiveRate!.Value);
    }

    [Fact]
    public void ChangeThreshold_MovesTheDecision_LikeChangeModelThreshold()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(500, seed: 4));
        using var detector = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small(epochs: 3)).Fit(data);
        var scores = Fixtures.Column(detector.Transform(data), "Score");
        float median = scores.OrderBy(s => s).ElementAt(250);
        using var changed = ml.AnomalyDetection.ChangeModelThreshold(detector, median);
        Assert.Equal(median, changed.Threshold);
        Assert.Null(changed.CalibrationFalsePositiveRate);
        var flagged = AnomalyFixtures.BoolColumn(changed.Transform(data), "PredictedLabel");
        Assert.Equal(scores.Count(s => s > median), flagged.Count(f => f));

        using var recalibrated = detector.ChangeThreshold(data, 0.3);
        var again = AnomalyFixtures.BoolColumn(recalibrated.Transform(data), "PredictedLabel");
        Assert.InRange(again.Count(f => f) / 500.0, 0.29, 0.31);
        Assert.True(recalibrated.Threshold < detector.Threshold);
    }

    [Fact]
    public void DerivedDetectors_ShareTheModel_UntilTheLastIsDisposed()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(200));
        var detector = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small(epochs: 1)).Fit(data);
        var changed = detector.ChangeThreshold(0f);
        detector.Dispose();
        Assert.Throws<ObjectDisposedException>(() => detector.Transform(data));
        Assert.Equal(200, Fixtures.Column(changed.Transform(data), "Score").Length);
        var model = changed.Model;
        changed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.LogLikelihood(new[] { new float[4] }));
    }

    [Fact]
    public void ScoreKinds_AreTheDocumentedFunctionsOfLogLikelihood()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(300));
        using var detector = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small(epochs: 2)).Fit(data);
        using var bits = detector.ChangeScore(NiceAnomalyScore.BitsPerDim, data);
        var ll = Fixtures.Column(detector.Model.Transform(data), "LogLikelihood");
        var nll = Fixtures.Column(detector.Transform(data), "Score");
        var bpd = Fixtures.Column(bits.Transform(data), "Score");
        for (int i = 0; i < ll.Length; i++)
        {
            Approx.Equal(-ll[i], nll[i], 1e-4, $"row {i} Nll");
            Approx.Equal(-ll[i] / (4 * Math.Log(2)), bpd[i], 1e-4, $"row {i} BitsPerDim");
        }
        Assert.Equal(NiceAnomalyScore.BitsPerDim, bits.ScoreKind);
    }

    [Fact]
    public void PredictionEngine_AgreesWithBatchedTransform()
    {
        var rows = AnomalyFixtures.NormalThenShifted(200, 40, shift: 3, seed: 2);
        var data = Fixtures.Data(ml, rows);
        using var detector = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small(epochs: 3)).Fit(Fixtures.Data(ml, Fixtures.Correlated(300)));
        var scores = Fixtures.Column(detector.Transform(data), "Score");
        var flagged = AnomalyFixtures.BoolColumn(detector.Transform(data), "PredictedLabel");
        var engine = ml.Model.CreatePredictionEngine<VectorRow, AnomalyPrediction>(detector);
        for (int i = 0; i < rows.Length; i += 13)
        {
            var p = engine.Predict(rows[i]);
            Approx.Equal(scores[i], p.Score, 1e-4, $"row {i} score");
            Assert.Equal(flagged[i], p.PredictedLabel);
        }
    }

    [Fact]
    public void NonFiniteRows_GetInfiniteScore_AndAreFlagged_InViewsEnginesAndArrays()
    {
        using var detector = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small(epochs: 1)).Fit(Fixtures.Data(ml, Fixtures.Correlated(200)));
        var rows = Fixtures.Correlated(5, seed: 8);
        rows[1].Features[2] = float.NaN;
        rows[2].Features[0] = float.PositiveInfinity;
        rows[3].Features[3] = float.NegativeInfinity;
        var scored = detector.Transform(Fixtures.Data(ml, rows));
        var scores = Fixtures.Column(scored, "Score");
        var flagged = AnomalyFixtures.BoolColumn(scored, "PredictedLabel");
        foreach (int i in new[] { 1, 2, 3 })
        {
            Assert.Equal(float.PositiveInfinity, scores[i]);
            Assert.True(flagged[i]);
        }
        Assert.True(float.IsFinite(scores[0]) && float.IsFinite(scores[4]));
        Assert.Equal(scores, detector.Score(rows.Select(r => r.Features).ToArray()));
        var engine = ml.Model.CreatePredictionEngine<VectorRow, AnomalyPrediction>(detector);
        var one = engine.Predict(rows[1]);
        Assert.Equal(float.PositiveInfinity, one.Score);
        Assert.True(one.PredictedLabel);
    }

    [Fact]
    public void FiniteExtremeRow_GetsAFiniteOrInfiniteScore_NeverNaN()
    {
        using var detector = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small(epochs: 1)).Fit(Fixtures.Data(ml, Fixtures.Correlated(200)));
        var rows = Fixtures.Correlated(3, seed: 9);
        rows[1].Features[1] = float.MaxValue;
        rows[2].Features[0] = -float.MaxValue;
        var scores = Fixtures.Column(detector.Transform(Fixtures.Data(ml, rows)), "Score");
        Assert.All(scores, s => Assert.False(float.IsNaN(s)));
        Assert.True(scores[1] > detector.Threshold && scores[2] > detector.Threshold);
    }

    [Fact]
    public void Options_OutOfRange_FailWhenTheEstimatorIsMade()
    {
        var bad = AnomalyFixtures.Small(falsePositiveRate: 1.0);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.AnomalyDetection.Trainers.Nice(bad));
        Assert.Equal("FalsePositiveRate", e.ParamName);
        var same = AnomalyFixtures.Small();
        same.PredictedLabelColumnName = "Score";
        Assert.Throws<ArgumentException>(() => ml.AnomalyDetection.Trainers.Nice(same));
    }
}
