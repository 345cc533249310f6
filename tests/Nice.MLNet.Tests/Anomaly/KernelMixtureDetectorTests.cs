using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Flow;
using Nice.MLNet.Tests.MLNet;
using Xunit;

namespace Nice.MLNet.Tests.Anomaly;

/// <summary>
/// The detector with defaults on data with fewer rows than columns: the rule builds a kernel mixture, whose start is
/// the Gaussian kernel density (checked against the formula), which trains, saves in one zip, and loads back in ML.NET
/// (ONNX Runtime) and in full (TorchSharp) with the same scores.
/// </summary>
public sealed class KernelMixtureDetectorTests : IDisposable
{
    private const int D = 40;
    private readonly MLContext ml = new(seed: 1);
    private readonly string dir = Directory.CreateTempSubdirectory("nice-kernel-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    public sealed class WideRow
    {
        [VectorType(D)] public float[] Features = Array.Empty<float>();
        public float Label;
    }

    public sealed class WidePrediction
    {
        public float Score;
        public bool PredictedLabel;
    }

    /// <summary>Rows near a 3-d subspace of R^40 (columns in different units), then rows off it.</summary>
    private static WideRow[] Rows(int normal, int anomalous, int seed)
    {
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var basis = new Random(7);
        var a = Enumerable.Range(0, D * 3).Select(_ => basis.NextDouble() * 2 - 1).ToArray();
        var units = Enumerable.Range(0, D).Select(j => Math.Pow(10, j % 5 - 2)).ToArray();
        WideRow Row(bool off)
        {
            var z = new[] { Gauss(), Gauss(), Gauss() };
            return new WideRow
            {
                Features = Enumerable.Range(0, D).Select(j => (float)(units[j] *
                    (a[3 * j] * z[0] + a[3 * j + 1] * z[1] + a[3 * j + 2] * z[2] + (off ? 1.5 : 0.1) * Gauss())))
                    .ToArray(),
                Label = off ? 1 : 0,
            };
        }
        return Enumerable.Range(0, normal).Select(_ => Row(false))
            .Concat(Enumerable.Range(0, anomalous).Select(_ => Row(true))).ToArray();
    }

    [Fact]
    public void FewerRowsThanColumns_TheDefaultsBuildAKernelMixture_ThatStartsAtTheGaussianKernelDensity()
    {
        var rows = Rows(30, 0, seed: 1);
        using var model = ml.Transforms.Nice().Fit(ml.Data.LoadFromEnumerable(rows));
        var summary = model.TrainingSummary!;
        Assert.True(summary.Resolved!.KernelMixture);
        Assert.Equal((5, 64, 32), (summary.Resolved.EnsembleMembers, summary.Resolved.HiddenWidth,
            summary.Resolved.BatchSize));
        // Epoch 0 is the start: every row scored out of fold by the Gaussian kernel density with Scott's bandwidth on
        // standardized columns, computed here from the formula.
        var first = summary.History[0];
        Assert.Equal(0, first.Epoch);
        Approx.Equal(OutOfFoldKdeNll(rows, folds: 5, seed: 0), first.ValidNll!.Value, 1e-3,
            "epoch 0's out-of-fold NLL");
        Assert.Equal(summary.History.Where(r => r.IsBest).Min(r => r.ValidNll!.Value),
            summary.History.Min(r => r.ValidNll!.Value));
    }

    /// <summary>Mean −log pₖ(xⱼ) of the rows j of each fold k under the Gaussian kernel density (diagonal bandwidth
    /// hₖ σ, hₖ = nₖ^(−1/(D+4)), σ the columns' standard deviations) of the rows outside fold k.</summary>
    private static double OutOfFoldKdeNll(WideRow[] rows, int folds, int seed)
    {
        int n = rows.Length;
        var x = rows.Select(r => r.Features.Select(v => (double)v).ToArray()).ToArray();
        var sd = Enumerable.Range(0, D).Select(j =>
        {
            double mean = x.Average(r => r[j]);
            return Math.Sqrt(x.Sum(r => (r[j] - mean) * (r[j] - mean)) / (n - 1));
        }).ToArray();
        var fold = Enumerable.Range(0, n).Select(i => Split.FoldOf(i, seed, folds)).ToArray();
        double total = 0;
        for (int j = 0; j < n; j++)
        {
            var others = Enumerable.Range(0, n).Where(i => fold[i] != fold[j]).ToArray();
            double h = Math.Pow(others.Length, -1.0 / (D + 4));
            var logs = others.Select(i => Enumerable.Range(0, D).Sum(c =>
            {
                double s = h * sd[c], u = (x[j][c] - x[i][c]) / s;
                return -0.5 * u * u - Math.Log(s) - 0.5 * Math.Log(2 * Math.PI);
            })).ToArray();
            double max = logs.Max();
            total -= max + Math.Log(logs.Sum(l => Math.Exp(l - max)) / others.Length);
        }
        return total / n;
    }

    public sealed class VeryWideRow
    {
        [VectorType(5000)] public float[] Features = Array.Empty<float>();
    }

    [Fact]
    public void VeryWideData_TrainInParts_AndKeepAnEpochNoWorseThanTheStart()
    {
        // 30 rows × 5,000 columns: 150,000 differences per query row, so a batch of 32 is split into parts of 27 rows
        // whose gradients add up (KernelMixture.RowsPerPass).
        var rng = new Random(6);
        var rows = Enumerable.Range(0, 30).Select(_ => new VeryWideRow
        {
            Features = Enumerable.Range(0, 5000).Select(j => (float)(rng.NextDouble() + j % 7)).ToArray(),
        }).ToArray();
        using var model = ml.Transforms.Nice(new NiceOptions { Epochs = 3 }).Fit(ml.Data.LoadFromEnumerable(rows));
        Assert.Equal(27, KernelMixture.RowsPerPass(model.Flow.Config, 32));
        var history = model.TrainingSummary!.History;
        Assert.Equal(new[] { 0, 1, 2, 3 }, history.Select(r => r.Epoch));
        Assert.All(history, r => Assert.True(double.IsFinite(r.TrainNll) && double.IsFinite(r.ValidNll!.Value)));
        Assert.True(history.Where(r => r.IsBest).Last().ValidNll <= history[0].ValidNll);
    }

    [Fact]
    public void KernelMixtureDetector_SavesInOneZip_AndLoadsBackWithTheSameScores_InMLNetAndInFull()
    {
        var all = Rows(40, 12, seed: 2);
        var train = ml.Data.LoadFromEnumerable(all.Take(36));
        var test = ml.Data.LoadFromEnumerable(all.Skip(36));
        using var detector = ml.AnomalyDetection.Trainers.Nice(new NiceAnomalyOptions
        {
            Nice = new NiceOptions { Epochs = 30 },
        }).Fit(train);
        Assert.True(detector.Model.TrainingSummary!.Resolved!.KernelMixture);
        Assert.Equal(NiceCalibrationSource.OutOfFold, detector.CalibrationSource);
        Assert.Equal(36, detector.CalibrationRows);
        string path = Path.Combine(dir, "kernel.zip");
        ml.Model.Save(detector, train.Schema, path);

        var expected = Fixtures.Column(detector.Transform(test), "Score");
        var viaMlNet = Fixtures.Column(new MLContext().Model.Load(path, out _).Transform(test), "Score");
        using var full = NiceAnomalyDetector.Load(ml, path);
        var viaFull = Fixtures.Column(full.Transform(test), "Score");
        for (int i = 0; i < expected.Length; i++)
        {
            Approx.Equal(expected[i], viaMlNet[i], 1e-3 * Math.Max(1, Math.Abs(expected[i])), $"row {i}, Model.Load");
            Approx.Equal(expected[i], viaFull[i], 1e-3 * Math.Max(1, Math.Abs(expected[i])), $"row {i}, LoadNice");
        }
        var engine = ml.Model.CreatePredictionEngine<WideRow, WidePrediction>(new MLContext().Model.Load(path, out _));
        Approx.Equal(expected[^1], engine.Predict(all[^1]).Score, 1e-3 * Math.Max(1, Math.Abs(expected[^1])),
            "PredictionEngine");
        // The rows off the subspace score above the normal ones.
        Assert.True(expected.Skip(4).Min() > expected.Take(4).Max(), string.Join(", ", expected));
    }

    [Fact]
    public void NonFiniteRowsAreFlagged_AndAnExtremeFiniteCellGivesNoNaN_InMemoryAndAfterReload()
    {
        var all = Rows(34, 0, seed: 5);
        var train = ml.Data.LoadFromEnumerable(all.Take(30));
        using var detector = ml.AnomalyDetection.Trainers.Nice(new NiceAnomalyOptions
        {
            Nice = new NiceOptions { Epochs = 2 },
        }).Fit(train);
        var odd = all.Skip(30).ToArray();
        odd[0].Features[3] = float.NaN;
        odd[1].Features[0] = float.PositiveInfinity;
        odd[2].Features[5] = float.MaxValue;
        var test = ml.Data.LoadFromEnumerable(odd);
        string path = Path.Combine(dir, "kernel-odd.zip");
        ml.Model.Save(detector, train.Schema, path);
        using var full = NiceAnomalyDetector.Load(ml, path);
        var loaded = new MLContext().Model.Load(path, out _);
        foreach (var (what, view) in new[] { ("in memory", detector.Transform(test)),
            ("Model.Load", loaded.Transform(test)), ("LoadNice", full.Transform(test)) })
        {
            var score = Fixtures.Column(view, "Score");
            var flagged = AnomalyFixtures.BoolColumn(view, "PredictedLabel");
            Assert.True(float.IsPositiveInfinity(score[0]) && float.IsPositiveInfinity(score[1]),
                $"{what}: {score[0]}, {score[1]}");
            Assert.False(float.IsNaN(score[2]), what);
            Assert.True(flagged[0] && flagged[1] && flagged[2], what);
            Assert.True(float.IsFinite(score[3]), $"{what}: {score[3]}");
        }
    }

    [Fact]
    public void ScoringBatchAfterBatch_LeavesNoTensorAlive()
    {
        // 512 rows a call are 512 × 5 kernels × 24 rows of kernel evaluations, formed in chunks: a leak per chunk or
        // per call would show in the live-tensor count of this thread.
        var rows = Rows(30, 0, seed: 4);
        using var detector = ml.AnomalyDetection.Trainers.Nice(new NiceAnomalyOptions
        {
            Nice = new NiceOptions { Epochs = 1 },
        }).Fit(ml.Data.LoadFromEnumerable(rows));
        var batch = Enumerable.Range(0, 512).Select(i => rows[i % rows.Length].Features).ToArray();
        var first = detector.Score(batch);
        long before = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++) Assert.Equal(first, detector.Score(batch));
        long after = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        Assert.True(after <= before, $"live tensors went from {before} to {after} over 20 calls");
    }

    [Fact]
    public void KernelMixture_CanBeTurnedOff_AndIsRefusedWhereItCannotApply()
    {
        var rows = ml.Data.LoadFromEnumerable(Rows(30, 0, seed: 3));
        using var flows = ml.Transforms.Nice(new NiceOptions { KernelMixture = false, Epochs = 2 }).Fit(rows);
        Assert.False(flows.TrainingSummary!.Resolved!.KernelMixture);
        Assert.False(flows.Flow.IsKernelMixture);

        var images = Assert.ThrowsAny<ArgumentException>(() => ml.Transforms.Nice(new NiceOptions
        {
            KernelMixture = true, DequantizationLevels = 256,
        }));
        Assert.Contains("KernelMixture", images.Message);
        Assert.Contains("DequantizationLevels", images.Message);
        var one = Assert.ThrowsAny<ArgumentException>(() => ml.Transforms.Nice(new NiceOptions
        {
            KernelMixture = true, EnsembleMembers = 1,
        }));
        Assert.Contains("EnsembleMembers", one.Message);

        using var kernel = ml.Transforms.Nice(new NiceOptions { Epochs = 2 }).Fit(rows);
        var decode = Assert.Throws<NotSupportedException>(() => kernel.Inverse(new[] { new float[D] }));
        Assert.Contains("Sample", decode.Message);
        using var inverse = new MemoryStream();
        Assert.Throws<NotSupportedException>(() => kernel.ExportOnnxInverse(inverse));
        Assert.Equal(0, inverse.Length);
        Assert.Equal(5, kernel.Sample(5, seed: 1).Length);
    }
}
