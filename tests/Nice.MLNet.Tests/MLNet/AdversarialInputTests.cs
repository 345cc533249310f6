using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Anomaly;
using Xunit;

namespace Nice.MLNet.Tests.MLNet;

/// <summary>
/// What a careless or hostile caller found (issue 14): each case once failed deep inside TorchSharp, with the wrong
/// exception, or silently; each now gets a clear answer at the front door.
/// </summary>
public sealed class AdversarialInputTests
{
    private readonly MLContext ml = new(1);

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(NiceDefaults.MaxScoringBatchSize + 1)]
    [InlineData(0)]
    public void Options_ScoringBatchSizeOutOfRange_IsRefusedNamingTheRange(int batch)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Nice(new NiceOptions { ScoringBatchSize = batch }));
        Assert.Equal(nameof(NiceOptions.ScoringBatchSize), e.ParamName);
        Assert.Contains("NiceOptions.ScoringBatchSize", e.Message);
        Assert.Contains(NiceDefaults.MaxScoringBatchSize.ToString(), e.Message);
    }

    [Fact]
    public void Transform_WithTheLargestBatchSize_AllocatesForTheRowsItHas_NotForTheBatch()
    {
        var options = Fixtures.Small(1);
        options.ScoringBatchSize = NiceDefaults.MaxScoringBatchSize;
        var data = Fixtures.Data(ml, Fixtures.Correlated(10));
        using var model = ml.Transforms.Nice(options).Fit(data);
        var scored = model.Transform(data);
        Fixtures.Column(scored, "LogLikelihood");   // warm-up: getters, delegates
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ll = Fixtures.Column(scored, "LogLikelihood");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(10, ll.Length);
        Assert.All(ll, v => Assert.True(float.IsFinite(v)));
        // A buffer sized for the batch would be 2²⁰ rows × 4 floats × 4 bytes = 16 MB (and its latent twin as much).
        Assert.True(allocated < 1_000_000, $"scoring 10 rows allocated {allocated:N0} bytes");
    }

    [Theory]
    [InlineData("Features", "Features", "LogLikelihood", "LatentColumnName")]
    [InlineData("Features", "Latent", "Features", "LogLikelihoodColumnName")]
    public void Options_OutputColumnNamedLikeTheInput_IsRefusedBeforeFit(string input, string latent, string ll, string param)
    {
        var e = Assert.Throws<ArgumentException>(() => ml.Transforms.Nice(new NiceOptions
        {
            InputColumnName = input, LatentColumnName = latent, LogLikelihoodColumnName = ll,
        }));
        Assert.Equal(param, e.ParamName);
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("must differ", e.Message);
    }

    [Fact]
    public void FiniteExtremeCell_GivesNoNaN_InTransformAndArrays()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(100));
        using var model = ml.Transforms.Nice(Fixtures.Small(2)).Fit(data);
        var rows = Fixtures.Correlated(3, seed: 4);
        rows[1].Features[0] = float.MaxValue;
        rows[2].Features[3] = -float.MaxValue;
        var scored = model.Transform(Fixtures.Data(ml, rows));
        var ll = Fixtures.Column(scored, "LogLikelihood");
        var latent = Fixtures.VectorColumn(scored, "Latent");
        Assert.All(ll, v => Assert.False(float.IsNaN(v)));
        Assert.All(latent.SelectMany(z => z), v => Assert.False(float.IsNaN(v)));
        Assert.True(ll[1] < ll[0] && ll[2] < ll[0], $"extreme rows {ll[1]}, {ll[2]} vs an ordinary one {ll[0]}");
        var arrays = model.LogLikelihood(rows.Select(r => r.Features).ToArray());
        Assert.Equal(ll, arrays);
        Assert.All(model.Encode(rows.Select(r => r.Features).ToArray()).SelectMany(z => z), v => Assert.False(float.IsNaN(v)));
    }

    [Fact]
    public void SampleZero_AndInverseOfNothing_ReturnEmptyResults()
    {
        using var model = ml.Transforms.Nice(Fixtures.Small(1)).Fit(Fixtures.Data(ml, Fixtures.Correlated(50)));
        Assert.Empty(model.Sample(0));
        Assert.Empty(model.Inverse(Array.Empty<float[]>()));
        Assert.Empty(model.Encode(Array.Empty<float[]>()));
        Assert.Empty(model.LogLikelihood(Array.Empty<float[]>()));
        Assert.Empty(Fixtures.VectorColumn(model.SampleDataView(ml, 0), "Features"));
    }

    [Fact]
    public void AfterDispose_ALazyViewAndAPredictionEngine_ThrowObjectDisposedNamingTheTransformer()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(50));
        var model = ml.Transforms.Nice(Fixtures.Small(1)).Fit(data);
        var view = model.Transform(data);
        var engine = ml.Model.CreatePredictionEngine<VectorRow, NicePrediction>(model);
        model.Dispose();
        var lazy = Assert.Throws<ObjectDisposedException>(() => Fixtures.Column(view, "LogLikelihood"));
        Assert.Equal(nameof(NiceTransformer), lazy.ObjectName);
        var row = Assert.Throws<ObjectDisposedException>(() => engine.Predict(Fixtures.Correlated(1)[0]));
        Assert.Equal(nameof(NiceTransformer), row.ObjectName);
    }

    [Fact]
    public void AfterDispose_ADetectorsLazyView_ThrowsObjectDisposedNamingTheDetector()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(80));
        var detector = ml.AnomalyDetection.Trainers.Nice(new NiceAnomalyOptions { Nice = Fixtures.Small(1) }).Fit(data);
        var view = detector.Transform(data);
        detector.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => Fixtures.Column(view, "Score"));
        Assert.Equal(nameof(NiceAnomalyDetector), e.ObjectName);
    }

    [Fact]
    public void Options_NullDevice_IsRefusedNamingTheProperty()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Nice(new NiceOptions { Device = null! }));
        Assert.Equal(nameof(NiceOptions.Device), e.ParamName);
    }

    [Fact]
    public void AnomalyOptions_WithoutNiceOptions_IsRefusedNamingTheProperty()
    {
        var e = Assert.Throws<ArgumentNullException>(() => ml.AnomalyDetection.Trainers.Nice(new NiceAnomalyOptions { Nice = null! }));
        Assert.Equal(nameof(NiceAnomalyOptions.Nice), e.ParamName);
        Assert.Contains("NiceAnomalyOptions.Nice", e.Message);
    }

    [Theory]
    [InlineData(nameof(NiceOptions.AdamEpsilon))]
    [InlineData(nameof(NiceOptions.WeightDecay))]
    [InlineData(nameof(NiceOptions.GradientClipNorm))]
    [InlineData(nameof(NiceOptions.LearningRate))]
    public void Options_InfiniteOptimizerSetting_IsRefusedNamingTheProperty(string property)
    {
        var options = new NiceOptions();
        typeof(NiceOptions).GetProperty(property)!.SetValue(options, double.PositiveInfinity);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Nice(options));
        Assert.Equal(property, e.ParamName);
        Assert.Contains($"NiceOptions.{property}", e.Message);
        Assert.Contains("finite", e.Message);
    }

    [Fact]
    public void Load_WithNullPath_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => NiceTransformer.Load(ml, null!));
        Assert.Throws<ArgumentNullException>(() => NiceAnomalyDetector.Load(ml, null!));
    }

    [Fact]
    public void Fit_WhoseLossIsNotFinite_ThrowsNiceTrainingException_SayingWhatToChange()
    {
        // Every row holds one float.MaxValue: finite, so accepted, but its log-likelihood overflows in the first batch.
        var rows = Fixtures.Correlated(200).Select(r => new VectorRow { Features = new[] { float.MaxValue, r.Features[1], r.Features[2], r.Features[3] } });
        var options = Fixtures.Small(3);
        options.DataDependentInit = false;
        var e = Assert.Throws<NiceTrainingException>(() => ml.Transforms.Nice(options).Fit(Fixtures.Data(ml, rows)));
        Assert.Equal(1, e.Epoch);
        Assert.Equal(1, e.Batch);
        Assert.Contains("epoch 1, batch 1", e.Message);
        Assert.Contains("LearningRate", e.Message);
        Assert.Contains("scale", e.Message);
    }

    [Fact]
    public void SaveAtomically_IntoAMissingFolder_LeavesNoFile()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(50));
        using var model = ml.Transforms.Nice(Fixtures.Small(1)).Fit(data);
        string dir = Path.Combine(Path.GetTempPath(), "nice-missing-" + Guid.NewGuid().ToString("N"), "sub");
        Assert.ThrowsAny<IOException>(() => ml.Model.SaveAtomically(model, data.Schema, Path.Combine(dir, "m.zip")));
        Assert.False(Directory.Exists(dir));
    }
}
