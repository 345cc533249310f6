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

    /// <summary>The same rows scored by the model's TorchSharp engine, whatever engine the model uses.</summary>
    private static (float[] Latent, float[] LogLikelihood) ByTorchSharp(NiceTransformer model, float[][] rows)
    {
        var flat = rows.SelectMany(r => r).ToArray();
        var z = new float[flat.Length];
        var ll = new float[rows.Length];
        model.TorchScorer.Score(flat, rows.Length, z, ll);
        return (z, ll);
    }

    [Fact]
    public void Fit_OnTheCpu_ScoresOnOnnxRuntime_WithTorchSharpsValues()
    {
        var rows = Fixtures.Correlated(400, seed: 2);
        var data = Fixtures.Data(ml, rows);
        using var model = ml.Transforms.Nice(Small(NiceScoringEngine.Auto)).Fit(data);
        Assert.Equal(NiceScoringEngine.OnnxRuntime, model.ScoringEngine);
        var features = rows.Select(r => r.Features).ToArray();
        var (z, ll) = ByTorchSharp(model, features);

        ScoringEngineTests.AssertClose(ll, Fixtures.Column(model.Transform(data), "LogLikelihood"), "Transform");
        ScoringEngineTests.AssertClose(z, Fixtures.VectorColumn(model.Transform(data), "Latent").SelectMany(v => v)
            .ToArray(), "Transform latent");
        ScoringEngineTests.AssertClose(ll, model.LogLikelihood(features), "LogLikelihood");
        ScoringEngineTests.AssertClose(z, model.Encode(features).SelectMany(v => v).ToArray(), "Encode");
        var engine = ml.Model.CreatePredictionEngine<VectorRow, NicePrediction>(model);
        ScoringEngineTests.AssertClose(ll.Take(20).ToArray(),
            rows.Take(20).Select(r => engine.Predict(r).LogLikelihood).ToArray(), "PredictionEngine");
        Assert.Equal(model.Evaluate(data).LogLikelihood, ll.Average(v => (double)v), 3);
    }

    [Fact]
    public void Fit_WithTorchSharpAsked_ScoresOnTorchSharp()
    {
        var rows = Fixtures.Correlated(200, seed: 3);
        var options = Small(NiceScoringEngine.TorchSharp);
        options.Epochs = 1;
        using var model = ml.Transforms.Nice(options).Fit(Fixtures.Data(ml, rows));
        Assert.Equal(NiceScoringEngine.TorchSharp, model.ScoringEngine);
        var features = rows.Select(r => r.Features).ToArray();
        Assert.Equal(ByTorchSharp(model, features).LogLikelihood, model.LogLikelihood(features));
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
