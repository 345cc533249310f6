using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Tests.MLNet;
using Xunit;

namespace Nice.MLNet.Tests.Anomaly;

public sealed class AnomalyPersistenceTests : IDisposable
{
    private readonly MLContext ml = new(seed: 1);
    private readonly string dir = Directory.CreateTempSubdirectory("nice-anomaly-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData(NiceAnomalyScore.Nll, 0)]
    [InlineData(NiceAnomalyScore.BitsPerDim, 0)]
    [InlineData(NiceAnomalyScore.BitsPerDim, 64)]
    public void SavedDetector_LoadsBackWithTheSameColumnsAndValues_InMLNetAndInFull(NiceAnomalyScore kind, int levels)
    {
        var rows = AnomalyFixtures.NormalThenShifted(300, 60, 3, seed: 2);
        if (levels > 0)
            foreach (var r in rows) for (int j = 0; j < 4; j++) r.Features[j] = Math.Clamp(MathF.Round(r.Features[j] * 5 + 30), 0, levels - 1);
        var options = AnomalyFixtures.Small(kind);
        options.Nice.DequantizationLevels = levels;
        var train = Fixtures.Data(ml, rows.Take(300));
        var test = Fixtures.Data(ml, rows);
        using var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(train);
        string path = Path.Combine(dir, $"detector-{kind}-{levels}.zip");
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
        Assert.Equal(a[^1], p.Score, 3);

        using var full = NiceAnomalyDetector.Load(ml, path);
        Assert.Equal(detector.Threshold, full.Threshold);
        Assert.Equal(kind, full.ScoreKind);
        Assert.Equal(a, Fixtures.Column(full.Transform(test), "Score"));
    }

    [Fact]
    public void InputComplexityDetector_RefusesToSave_SayingWhy()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(200));
        using var detector = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small(NiceAnomalyScore.InputComplexity)).Fit(data);
        string path = Path.Combine(dir, "complexity.zip");
        var e = Assert.Throws<NotSupportedException>(() => NiceTransformer.SaveAtomically(ml, detector, data.Schema, path));
        Assert.Contains("InputComplexity", e.Message);
        Assert.False(File.Exists(path));
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
