using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Tests.Scoring;
using Xunit;

namespace Nice.MLNet.Tests.MLNet;

/// <summary>
/// Which engine scores, through the front door: a model fitted on the CPU scores on ONNX Runtime by default and on
/// TorchSharp when asked, with the same values; a model read from a zip (<c>NiceTransformer.Load</c>,
/// <c>NiceAnomalyDetector.Load</c>, <c>mlContext.Model.LoadNice</c>) scores, inspects, exports and saves on ONNX
/// Runtime without building its TorchSharp flow, and builds it only to sample.
/// </summary>
public sealed class ScoringEngineChoiceTests : IDisposable
{
    private readonly MLContext ml = new(1);
    private readonly string dir = Directory.CreateTempSubdirectory("nice-engine-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static NiceOptions Small(NiceScoringEngine engine) => new()
    {
        HiddenLayers = 2, HiddenWidth = 32, Epochs = 3, BatchSize = 64, Seed = 1, ScoringEngine = engine,
    };

    [Fact]
    public void Fit_OnTheCpu_ScoresOnOnnxRuntime_AndOnTorchSharpWhenAsked_WithTheSameValues()
    {
        var rows = Fixtures.Correlated(400, seed: 2);
        var data = Fixtures.Data(ml, rows);
        using var auto = ml.Transforms.Nice(Small(NiceScoringEngine.Auto)).Fit(data);
        using var torch = ml.Transforms.Nice(Small(NiceScoringEngine.TorchSharp)).Fit(data);
        Assert.Equal(NiceScoringEngine.OnnxRuntime, auto.ScoringEngine);
        Assert.Equal(NiceScoringEngine.TorchSharp, torch.ScoringEngine);
        Assert.Equal(torch.GetParameters().SelectMany(p => p.Values), auto.GetParameters().SelectMany(p => p.Values));

        ScoringEngineTests.AssertClose(Fixtures.Column(torch.Transform(data), "LogLikelihood"),
            Fixtures.Column(auto.Transform(data), "LogLikelihood"), "Transform log-likelihood");
        ScoringEngineTests.AssertClose(Fixtures.VectorColumn(torch.Transform(data), "Latent").SelectMany(z => z)
            .ToArray(), Fixtures.VectorColumn(auto.Transform(data), "Latent").SelectMany(z => z).ToArray(),
            "Transform latent");
        var features = rows.Select(r => r.Features).ToArray();
        ScoringEngineTests.AssertClose(torch.LogLikelihood(features), auto.LogLikelihood(features), "LogLikelihood");
        ScoringEngineTests.AssertClose(torch.Encode(features).SelectMany(z => z).ToArray(),
            auto.Encode(features).SelectMany(z => z).ToArray(), "Encode");
        var torchEngine = ml.Model.CreatePredictionEngine<VectorRow, NicePrediction>(torch);
        var ortEngine = ml.Model.CreatePredictionEngine<VectorRow, NicePrediction>(auto);
        ScoringEngineTests.AssertClose(rows.Take(20).Select(r => torchEngine.Predict(r).LogLikelihood).ToArray(),
            rows.Take(20).Select(r => ortEngine.Predict(r).LogLikelihood).ToArray(), "PredictionEngine");
    }

    [Fact]
    public void Load_ScoresInspectsExportsAndSaves_WithoutBuildingTheTorchFlow_AndBuildsItToSample()
    {
        var rows = Fixtures.Correlated(300, seed: 3);
        var data = Fixtures.Data(ml, rows);
        using var fitted = ml.Transforms.Nice(Small(NiceScoringEngine.TorchSharp)).Fit(data);
        string path = Path.Combine(dir, "model.zip");
        ml.Model.Save(fitted, data.Schema, path);

        using var loaded = NiceTransformer.Load(ml, path);
        Assert.Equal(NiceScoringEngine.OnnxRuntime, loaded.ScoringEngine);
        var features = rows.Select(r => r.Features).ToArray();
        ScoringEngineTests.AssertClose(fitted.LogLikelihood(features), loaded.LogLikelihood(features),
            "LogLikelihood");
        ScoringEngineTests.AssertClose(Fixtures.Column(fitted.Transform(data), "LogLikelihood"),
            Fixtures.Column(loaded.Transform(data), "LogLikelihood"), "Transform");
        loaded.Encode(features);
        ml.Model.CreatePredictionEngine<VectorRow, NicePrediction>(loaded).Predict(rows[0]);
        Assert.Equal(fitted.LogScale, loaded.LogScale);
        Assert.Equal(fitted.GetParameters().Select(p => (p.Name, string.Join(",", p.Shape), p.Values.Sum())),
            loaded.GetParameters().Select(p => (p.Name, string.Join(",", p.Shape), p.Values.Sum())));
        using (var onnx = new MemoryStream()) loaded.ExportOnnx(onnx);
        ml.Model.Save(loaded, data.Schema, Path.Combine(dir, "again.zip"));
        Assert.False(loaded.Lazy.HasFlow, "scoring, inspecting, exporting or saving built the TorchSharp flow");

        using var again = NiceTransformer.Load(ml, Path.Combine(dir, "again.zip"));
        Assert.Equal(loaded.LogLikelihood(features), again.LogLikelihood(features));
        Assert.Equal(fitted.Sample(5, seed: 4), loaded.Sample(5, seed: 4));
        Assert.True(loaded.Lazy.HasFlow);
    }

    [Fact]
    public void LoadNice_AndDetectorLoad_ScoreOnOnnxRuntime_WithoutBuildingTheTorchFlow()
    {
        var rows = Fixtures.Correlated(300, seed: 5);
        var data = Fixtures.Data(ml, rows);
        var pipeline = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.Transforms.Nice(Small(NiceScoringEngine.Auto))).Fit(data);
        string path = Path.Combine(dir, "pipeline.zip");
        ml.Model.Save(pipeline, data.Schema, path);
        var loaded = ml.Model.LoadNice(path, out _);
        var nice = Assert.IsType<NiceTransformer>(((IEnumerable<ITransformer>)loaded).Last());
        ScoringEngineTests.AssertClose(Fixtures.Column(pipeline.Transform(data), "LogLikelihood"),
            Fixtures.Column(loaded.Transform(data), "LogLikelihood"), "LoadNice Transform");
        Assert.Equal(NiceScoringEngine.OnnxRuntime, nice.ScoringEngine);
        Assert.False(nice.Lazy.HasFlow, "LoadNice's NICE step built the TorchSharp flow to score");

        using var detector = ml.AnomalyDetection.Trainers.Nice(new NiceAnomalyOptions
        {
            Nice = Small(NiceScoringEngine.Auto),
        }).Fit(data);
        string detectorPath = Path.Combine(dir, "detector.zip");
        ml.Model.Save(detector, data.Schema, detectorPath);
        using var reloaded = NiceAnomalyDetector.Load(ml, detectorPath);
        ScoringEngineTests.AssertClose(Fixtures.Column(detector.Transform(data), "Score"),
            Fixtures.Column(reloaded.Transform(data), "Score"), "detector Score");
        Assert.Equal(NiceScoringEngine.OnnxRuntime, reloaded.Model.ScoringEngine);
        Assert.False(reloaded.Model.Lazy.HasFlow, "the loaded detector built the TorchSharp flow to score");
    }

    [Fact]
    public void Options_WithNegativeThreadsOrAnUnknownEngine_Throw_NamingTheProperty()
    {
        var threads = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Nice(new NiceOptions
        {
            Threads = -1,
        }));
        Assert.Contains("NiceOptions.Threads", threads.Message);
        var engine = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Nice(new NiceOptions
        {
            ScoringEngine = (NiceScoringEngine)7,
        }));
        Assert.Contains("NiceOptions.ScoringEngine", engine.Message);
    }
}
