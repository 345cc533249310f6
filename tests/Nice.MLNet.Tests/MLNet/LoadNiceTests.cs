using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Cli.Datasets;
using Nice.MLNet.Tests.Anomaly;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.MLNet;

/// <summary>
/// <c>mlContext.Model.LoadNice</c>: a saved pipeline whose NICE step follows a normalizer comes back whole, taking raw
/// rows, with the NICE step batched; the single-step loaders refuse such a zip instead of silently expecting
/// normalized rows.
/// </summary>
public sealed class LoadNiceTests : IDisposable
{
    private readonly MLContext ml = new(1);
    private readonly string dir = Directory.CreateTempSubdirectory("nice-loadnice-").FullName;
    private readonly ITestOutputHelper output;

    public LoadNiceTests(ITestOutputHelper output) => this.output = output;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    public sealed class CancerRow
    {
        [VectorType(30)] public float[] Features = Array.Empty<float>();
    }

    public sealed class CancerLikelihood
    {
        public float LogLikelihood;
    }

    /// <summary>The committed breast-cancer rows in their raw units (areas in the hundreds, smoothness ~0.1).</summary>
    private IDataView Cancer(int take = int.MaxValue)
    {
        var (rows, _) = BreastCancer.Load();
        return ml.Data.LoadFromEnumerable(rows.Take(take).Select(r => new CancerRow { Features = r }));
    }

    private static NiceOptions Small() => new() { HiddenLayers = 2, HiddenWidth = 32, Epochs = 3, BatchSize = 64, Seed = 1 };

    [Fact]
    public void LoadNice_OfANormalizerThenNice_ScoresRawRowsLikeTheFittedPipeline_WithNiceBatched()
    {
        var data = Cancer();
        var fitted = ml.Transforms.NormalizeMeanVariance("Features").Append(ml.Transforms.Nice(Small())).Fit(data);
        string path = Path.Combine(dir, "pipeline.zip");
        ml.Model.Save(fitted, data.Schema, path);

        var loaded = ml.Model.LoadNice(path, out var schema);
        Assert.Equal(30, ((VectorDataViewType)schema["Features"].Type).Size);
        var steps = ((IEnumerable<ITransformer>)loaded).ToArray();
        Assert.Equal(2, steps.Length);
        Assert.IsType<NiceTransformer>(steps[1]);

        var expected = Fixtures.Column(fitted.Transform(data), "LogLikelihood");
        var actual = Fixtures.Column(loaded.Transform(data), "LogLikelihood");
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-3, $"row {i}: {expected[i]} vs {actual[i]}");

        using var stream = File.OpenRead(path);
        var fromStream = ml.Model.LoadNice(stream, out _);
        Assert.Equal(actual, Fixtures.Column(fromStream.Transform(data), "LogLikelihood"));

        var engine = ml.Model.CreatePredictionEngine<CancerRow, CancerLikelihood>(loaded);
        var first = ml.Data.CreateEnumerable<CancerRow>(data, reuseRowObject: false).First();
        Assert.True(Math.Abs(engine.Predict(first).LogLikelihood - expected[0]) <= 1e-3);
    }

    [Fact]
    public void SingleStepLoaders_OfANiceStepAfterANormalizer_RefuseNamingLoadNice()
    {
        var data = Cancer(200);
        var transform = ml.Transforms.NormalizeMeanVariance("Features").Append(ml.Transforms.Nice(Small())).Fit(data);
        string path = Path.Combine(dir, "transform.zip");
        ml.Model.Save(transform, data.Schema, path);
        var e = Assert.Throws<InvalidOperationException>(() => NiceTransformer.Load(ml, path));
        Assert.Contains("LoadNice", e.Message);
        Assert.Contains(path, e.Message);

        var detector = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.AnomalyDetection.Trainers.Nice(new NiceAnomalyOptions { Nice = Small() })).Fit(data);
        string detectorPath = Path.Combine(dir, "detector.zip");
        ml.Model.Save(detector, data.Schema, detectorPath);
        var d = Assert.Throws<InvalidOperationException>(() => NiceAnomalyDetector.Load(ml, detectorPath));
        Assert.Contains("LoadNice", d.Message);
    }

    [Fact]
    public void LoadNice_OfANormalizerThenADetector_RestoresTheDetector_WithTheSameScoresAndLabels()
    {
        var data = Cancer();
        var fitted = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.AnomalyDetection.Trainers.Nice(new NiceAnomalyOptions { Nice = Small(), FalsePositiveRate = 0.05 }))
            .Fit(data);
        string path = Path.Combine(dir, "detector.zip");
        ml.Model.Save(fitted, data.Schema, path);
        var loaded = ml.Model.LoadNice(path, out _);
        var detector = Assert.IsType<NiceAnomalyDetector>(((IEnumerable<ITransformer>)loaded).Last());
        Assert.Equal(fitted.LastTransformer.Threshold, detector.Threshold);
        var expected = Fixtures.Column(fitted.Transform(data), "Score");
        var actual = Fixtures.Column(loaded.Transform(data), "Score");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-3, $"row {i}: {expected[i]} vs {actual[i]}");
        Assert.Equal(AnomalyFixtures.BoolColumn(fitted.Transform(data), "PredictedLabel"),
            AnomalyFixtures.BoolColumn(loaded.Transform(data), "PredictedLabel"));
    }

    [Fact]
    public void LoadNice_OfANiceTransformerAlone_GivesTheTransformerItself()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(100));
        using var model = ml.Transforms.Nice(Fixtures.Small(1)).Fit(data);
        string path = Path.Combine(dir, "alone.zip");
        ml.Model.Save(model, data.Schema, path);
        using var loaded = Assert.IsType<NiceTransformer>(ml.Model.LoadNice(path, out _));
        Assert.Equal(Fixtures.Column(model.Transform(data), "LogLikelihood"), Fixtures.Column(loaded.Transform(data), "LogLikelihood"));
    }

    public sealed class Row64
    {
        [VectorType(64)] public float[] Features = Array.Empty<float>();
    }
}

/// <summary>
/// <c>LoadNice</c>'s scoring speed against the fitted pipeline, in CPU time of this process. It runs in
/// <see cref="Flow.ProcessWideMeasurements"/> (alone, after the parallel tests): with other test classes running
/// beside it, their threads' CPU time would be counted in both measurements.
/// </summary>
[Collection(Flow.ProcessWideMeasurements.Name)]
public sealed class LoadNiceSpeedTests : IDisposable
{
    private readonly MLContext ml = new(1);
    private readonly string dir = Directory.CreateTempSubdirectory("nice-loadnice-speed-").FullName;
    private readonly ITestOutputHelper output;

    public LoadNiceSpeedTests(ITestOutputHelper output) => this.output = output;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void LoadNice_ScoresAtLeast80PercentAsFastAsTheFittedPipeline()
    {
        var rng = new Random(3);
        var rows = Enumerable.Range(0, 20_000)
            .Select(_ => new LoadNiceTests.Row64 { Features = Enumerable.Range(0, 64).Select(j => (float)(rng.NextDouble() * (j + 1))).ToArray() })
            .ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = new NiceOptions { HiddenLayers = 3, HiddenWidth = 256, Epochs = 1, Seed = 1 };
        var fitted = ml.Transforms.NormalizeMeanVariance("Features").Append(ml.Transforms.Nice(options)).Fit(data);
        string path = Path.Combine(dir, "speed.zip");
        ml.Model.Save(fitted, data.Schema, path);
        var loaded = ml.Model.LoadNice(path, out _);
        var cached = ml.Data.Cache(data);
        // Work per row is compared in CPU time of this process, so other processes on a shared machine do not decide
        // the outcome; both pipelines run here with the same threads. Wall-clock rates are printed too.
        using var self = Process.GetCurrentProcess();
        (double Cpu, double Wall) Seconds(ITransformer model)
        {
            self.Refresh();
            var cpu = self.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            Fixtures.Column(model.Transform(cached), "LogLikelihood");
            self.Refresh();
            return ((self.TotalProcessorTime - cpu).TotalSeconds, clock.Elapsed.TotalSeconds);
        }
        // Garbage and finalizers left by the tests that ran before (TorchSharp tensors, ONNX Runtime sessions) are
        // collected first: finalizer threads run in this process, so their CPU time would land in a measurement.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Seconds(fitted);
        Seconds(loaded);
        var (best, bestLoaded) = ((Cpu: double.MaxValue, Wall: double.MaxValue), (Cpu: double.MaxValue, Wall: double.MaxValue));
        for (int k = 0; k < 5; k++)
        {
            var a = Seconds(fitted);
            var b = Seconds(loaded);
            best = (Math.Min(best.Cpu, a.Cpu), Math.Min(best.Wall, a.Wall));
            bestLoaded = (Math.Min(bestLoaded.Cpu, b.Cpu), Math.Min(bestLoaded.Wall, b.Wall));
        }
        output.WriteLine($"fitted {rows.Length / best.Cpu:F0} rows per CPU-second ({rows.Length / best.Wall:F0} rows/s wall), " +
            $"LoadNice {rows.Length / bestLoaded.Cpu:F0} ({rows.Length / bestLoaded.Wall:F0})");
        Assert.True(best.Cpu / bestLoaded.Cpu >= 0.8,
            $"LoadNice ran at {best.Cpu / bestLoaded.Cpu:P0} of the fitted pipeline's rows per CPU-second");
    }
}
