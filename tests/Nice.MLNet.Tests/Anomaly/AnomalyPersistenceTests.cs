using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Tests.MLNet;
using Xunit;
using Nice.MLNet.Anomaly;

namespace Nice.MLNet.Tests.Anomaly;

public sealed class AnomalyPersistenceTests : IDisposable
{
    private readonly MLContext ml = new(seed: 1);
    private readonly string dir = Directory.CreateTempSubdirectory("nice-anomaly-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData(NiceAnomalyScore.Nll, 0, 0)]
    [InlineData(NiceAnomalyScore.BitsPerDim, 0, 0)]
    [InlineData(NiceAnomalyScore.BitsPerDim, 64, 0)]
    [InlineData(NiceAnomalyScore.InputComplexity, 0, 0)]
    [InlineData(NiceAnomalyScore.InputComplexity, 64, 2)]
    public void SavedDetector_LoadsBackWithTheSameColumnsAndValues_InMLNetAndInFull(NiceAnomalyScore kind, int levels, int imageWidth)
    {
        var rows = AnomalyFixtures.NormalThenShifted(300, 60, 3, seed: 2);
        if (levels > 0)
            foreach (var r in rows) for (int j = 0; j < 4; j++) r.Features[j] = Math.Clamp(MathF.Round(r.Features[j] * 5 + 30), 0, levels - 1);
        var options = AnomalyFixtures.Small(kind);
        options.Nice.DequantizationLevels = levels;
        options.ImageWidth = imageWidth;
        var train = Fixtures.Data(ml, rows.Take(300));
        var test = Fixtures.Data(ml, rows);
        using var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(train);
        string path = Path.Combine(dir, $"detector-{kind}-{levels}-{imageWidth}.zip");
        ml.Model.Save(detector, train.Schema, path);

        var loaded = new MLContext().Model.Load(path, out _);
        var expected = detector.Transform(test);
        var actual = loaded.Transform(test);
        Assert.Equal(NumberDataViewType.Single, actual.Schema["Score"].Type);
        Assert.Equal(BooleanDataViewType.Instance, actual.Schema["PredictedLabel"].Type);
        Assert.Null(actual.Schema.GetColumnOrNull("LogLikelihood"));
        Assert.Equal(expected.Schema.Select(c => c.Name), actual.Schema.Where(c => !c.IsHidden).Select(c => c.Name));
        var a = Fixtures.Column(expected, "Score");
        var b = Fixtures.Column(actual, "Score");
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4 * Math.Max(1, Math.Abs(a[i])), $"row {i}: fitted {a[i]}, loaded {b[i]}");
        var la = AnomalyFixtures.BoolColumn(expected, "PredictedLabel");
        var lb = AnomalyFixtures.BoolColumn(actual, "PredictedLabel");
        int differ = Enumerable.Range(0, la.Length).Count(i => la[i] != lb[i] && Math.Abs(a[i] - detector.Threshold) > 1e-3 * Math.Max(1, Math.Abs(a[i])));
        Assert.Equal(0, differ);
        Assert.Contains(true, lb);

        var engine = ml.Model.CreatePredictionEngine<VectorRow, AnomalyPrediction>(loaded);
        var p = engine.Predict(rows[^1]);
        Approx.Equal(a[^1], p.Score, 1e-3, "PredictionEngine score");

        using var full = NiceAnomalyDetector.Load(ml, path);
        Assert.Equal(detector.Threshold, full.Threshold);
        Assert.Equal(kind, full.ScoreKind);
        Assert.Equal(detector.Compressor, full.Compressor);
        Assert.Equal(imageWidth, full.ImageWidth);
        Assert.Equal(NiceCalibrationSource.Holdout, full.CalibrationSource);
        Assert.Equal(detector.CalibrationRows, full.CalibrationRows);
        Assert.Equal(detector.CalibrationFalsePositiveRate, full.CalibrationFalsePositiveRate);
        Assert.Equal(a, Fixtures.Column(full.Transform(test), "Score"));
    }

    [Theory]
    [InlineData(NiceAnomalyScore.Nll, 1)]
    [InlineData(NiceAnomalyScore.BitsPerDim, 1)]
    [InlineData(NiceAnomalyScore.InputComplexity, 1)]
    [InlineData(NiceAnomalyScore.Nll, 3)]
    public void SavedDetector_GivesNonFiniteRowsInfiniteScoreAndTrue_AndExtremeRowsNoNaN_AfterReload(NiceAnomalyScore kind, int members)
    {
        var train = Fixtures.Data(ml, Fixtures.Correlated(200));
        var options = AnomalyFixtures.Small(kind, epochs: 1);
        options.Nice.EnsembleMembers = members;   // 3: a cross-fitted ensemble, one graph per member in the zip
        using var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(train);
        var rows = Fixtures.Correlated(7, seed: 8);
        rows[1].Features[2] = float.NaN;
        rows[2].Features[0] = float.PositiveInfinity;
        rows[3].Features[3] = float.NegativeInfinity;
        rows[4].Features[1] = float.MaxValue;
        rows[5].Features[0] = -float.MaxValue;
        string path = Path.Combine(dir, $"nonfinite-{kind}-{members}.zip");
        ml.Model.Save(detector, train.Schema, path);
        var loaded = new MLContext().Model.Load(path, out _);
        var test = Fixtures.Data(ml, rows);
        foreach (var (name, view) in new[] { ("in memory", detector.Transform(test)), ("reloaded", loaded.Transform(test)) })
        {
            var scores = Fixtures.Column(view, "Score");
            var flagged = AnomalyFixtures.BoolColumn(view, "PredictedLabel");
            foreach (int i in new[] { 1, 2, 3 })
            {
                Assert.True(float.IsPositiveInfinity(scores[i]), $"{name}, row {i}: score {scores[i]}");
                Assert.True(flagged[i], $"{name}, row {i} is flagged");
            }
            Assert.All(scores, s => Assert.False(float.IsNaN(s), $"{name}: no NaN score"));
            Assert.True(flagged[4] && flagged[5], $"{name}: extreme rows {scores[4]}, {scores[5]} are flagged");
            Assert.True(float.IsFinite(scores[0]) && float.IsFinite(scores[6]), $"{name}: ordinary rows score finite");
        }
        var inMemory = Fixtures.Column(detector.Transform(test), "Score");
        var reloaded = Fixtures.Column(loaded.Transform(test), "Score");
        foreach (int i in new[] { 0, 6 }) Approx.Equal(inMemory[i], reloaded[i], 1e-3, $"row {i}, fitted vs reloaded");
        var engine = ml.Model.CreatePredictionEngine<VectorRow, AnomalyPrediction>(loaded);
        var one = engine.Predict(rows[1]);
        Assert.True(float.IsPositiveInfinity(one.Score) && one.PredictedLabel, "PredictionEngine on the reloaded model");
    }

    [Fact]
    public void SavedComplexityDetector_ScoresWithItsOwnQuantizationGrid_NotOneFromTheNewData()
    {
        // Continuous data: the 8-bit grid comes from the training range. Scoring the loaded model on data with another range must
        // reproduce the fitted detector (the grid travels in the zip), and the scores must actually depend on the grid.
        var rows = AnomalyFixtures.NormalThenShifted(300, 60, 3, seed: 4);
        var train = Fixtures.Data(ml, rows.Take(300));
        var wide = Fixtures.Data(ml, rows.Select(r => new VectorRow { Features = r.Features.Select(v => v * 3).ToArray(), Label = r.Label }));
        using var detector = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small(NiceAnomalyScore.InputComplexity)).Fit(train);
        using var refitted = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small(NiceAnomalyScore.InputComplexity)).Fit(wide);
        string path = Path.Combine(dir, "complexity-grid.zip");
        ml.Model.SaveAtomically(detector, train.Schema, path);
        var loaded = new MLContext().Model.Load(path, out _);
        var expected = Fixtures.Column(detector.Transform(wide), "Score");
        var actual = Fixtures.Column(loaded.Transform(wide), "Score");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"row {i}: fitted {expected[i]}, loaded {actual[i]}");
        Assert.NotEqual(detector.Complexity!.ToText(), refitted.Complexity!.ToText());
    }

    [Fact]
    public void LoadingATransformZipAsADetector_SaysItIsNotOne()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(100));
        using var model = ml.Transforms.Nice(Fixtures.Small(1)).Fit(data);
        string path = Path.Combine(dir, "transform.zip");
        ml.Model.Save(model, data.Schema, path);
        Assert.Contains("not as an anomaly detector", Assert.Throws<InvalidDataException>(() => NiceAnomalyDetector.Load(ml, path)).Message);
    }
}
