using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Flow;
using Xunit;

namespace Nice.MLNet.Tests.MLNet;

/// <summary>
/// Options left unset are chosen at Fit from the training rows by the rule stated on <see cref="NiceOptions"/> (issue
/// 13): model size, batch, ensemble, smoothing, and each column's kind (continuous, discrete, constant), which a user can
/// override per column. <see cref="NiceTrainingSummary.Resolved"/> reports what was chosen.
/// </summary>
public sealed class DataFittedDefaultsTests
{
    private readonly MLContext ml = new(seed: 1);

    /// <summary>n rows: two correlated continuous columns, a 1–10 rating (integers) and a column that is always 5.</summary>
    private static VectorRow[] Table(int n, int seed = 3)
    {
        var rng = new Random(seed);
        return Fixtures.Correlated(n, seed).Select(r => new VectorRow
        {
            Features = new[] { r.Features[0], r.Features[1], (float)rng.Next(1, 11), 5f },
        }).ToArray();
    }

    [Fact]
    public void UnsetOptions_AreChosenFromTheTable_AndReported()
    {
        // Only the epochs are pinned (to keep the test short): the rest is the rule's.
        using var model = ml.Transforms.Nice(new NiceOptions { Epochs = 2, Seed = 1 }).Fit(Fixtures.Data(ml, Table(300)));
        var r = model.TrainingSummary!.Resolved!;
        Assert.Equal((300, 4), (r.Rows, r.Dimension));
        Assert.Equal(2, r.HiddenLayers);
        Assert.Equal(32, r.HiddenWidth);                       // clamp(8·4, 32, 128)
        Assert.Equal(30, r.BatchSize);                         // clamp(300/10, 16, 256)
        Assert.Equal(5, r.EnsembleMembers);                    // 20 ≤ n ≤ 2,000: cross-fitted ensemble
        Assert.Equal(0.5, r.Smoothing);                        // D ≤ n ≤ 1,000
        Assert.True(r.InputNormalization);
        Assert.Equal(new[] { NiceColumnType.Continuous, NiceColumnType.Continuous, NiceColumnType.Discrete, NiceColumnType.Constant },
            r.ColumnKinds.Select(k => k.Type));
        Assert.Equal(1, r.ColumnKinds[2].Step);
        Assert.Equal(5, model.TrainingSummary.BestEpochs.Count);
        Assert.All(model.LogLikelihood(Table(20, seed: 9).Select(v => v.Features).ToArray()), ll => Assert.True(float.IsFinite(ll)));
    }

    private sealed class WideRow
    {
        [VectorType(40)] public float[] Features = Array.Empty<float>();
    }

    [Fact]
    public void FewerRowsThanColumns_FlowsTrainEveryEpoch_AndKeepTheLast_UnlessEarlyStoppingIsSet()
    {
        // 30 rows of 40 continuous columns (n < D), flows asked for (the rule's choice there is a kernel mixture,
        // KernelMixtureDetectorTests): the rule turns early stopping off, so each of the five members keeps its last
        // epoch even where its held-out NLL was better earlier.
        var rng = new Random(5);
        var wide = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 30).Select(_ => new WideRow
        {
            Features = Enumerable.Range(0, 40).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(),
        }).ToArray());
        using var model = ml.Transforms.Nice(new NiceOptions { Epochs = 40, Seed = 1, KernelMixture = false })
            .Fit(wide);
        var summary = model.TrainingSummary!;
        Assert.False(summary.Resolved!.EarlyStopping);
        Assert.Equal(5, summary.Resolved.EnsembleMembers);
        Assert.Equal(new[] { 40, 40, 40, 40, 40 }, summary.BestEpochs);
        Assert.All(summary.History, r => Assert.NotNull(r.ValidNll));   // still measured and reported
        Assert.Contains(summary.History.GroupBy(r => r.Member),
            g => g.Min(r => r.ValidNll!.Value) < g.Last().ValidNll!.Value);   // an earlier epoch was better

        using var pinned = ml.Transforms.Nice(new NiceOptions
        {
            Epochs = 40, Seed = 1, EarlyStopping = true, KernelMixture = false,
        }).Fit(wide);
        Assert.True(pinned.TrainingSummary!.Resolved!.EarlyStopping);
        Assert.Contains(pinned.TrainingSummary.BestEpochs, e => e < 40);

        using var tall = ml.Transforms.Nice(new NiceOptions { Epochs = 2, Seed = 1 }).Fit(Fixtures.Data(ml, Table(60)));
        Assert.True(tall.TrainingSummary!.Resolved!.EarlyStopping);             // n ≥ D: on
    }

    [Fact]
    public void ColumnKinds_OverrideTheDetection_PerColumn()
    {
        var options = new NiceOptions
        {
            Epochs = 1, Seed = 1, EnsembleMembers = 1,
            ColumnKinds = new Dictionary<int, NiceColumnKind> { [0] = NiceColumnKind.Discrete(0.25), [2] = NiceColumnKind.Continuous },
        };
        using var model = ml.Transforms.Nice(options).Fit(Fixtures.Data(ml, Table(200)));
        var kinds = model.TrainingSummary!.Resolved!.ColumnKinds;
        Assert.Equal(NiceColumnKind.Discrete(0.25), kinds[0]);
        Assert.Equal(NiceColumnKind.Continuous, kinds[1]);
        Assert.Equal(NiceColumnKind.Continuous, kinds[2]);      // detected discrete, overridden
        Assert.Equal(NiceColumnType.Constant, kinds[3].Type);

        using var off = ml.Transforms.Nice(new NiceOptions { Epochs = 1, Seed = 1, EnsembleMembers = 1, DetectColumnKinds = false })
            .Fit(Fixtures.Data(ml, Table(200)));
        Assert.All(off.TrainingSummary!.Resolved!.ColumnKinds, k => Assert.Equal(NiceColumnKind.Continuous, k));
    }

    [Fact]
    public void ColumnKinds_NamingASlotBeyondD_OrAConstant_AreRejected()
    {
        var beyond = new NiceOptions { Epochs = 1, ColumnKinds = new Dictionary<int, NiceColumnKind> { [4] = NiceColumnKind.Continuous } };
        var e = Assert.ThrowsAny<ArgumentException>(() => ml.Transforms.Nice(beyond).Fit(Fixtures.Data(ml, Table(50))));
        Assert.Contains("ColumnKinds", e.Message);
        Assert.Contains("D = 4", e.Message);
        var constant = new NiceOptions
        {
            ColumnKinds = new Dictionary<int, NiceColumnKind> { [1] = new NiceColumnKind(NiceColumnType.Constant, 1) },
        };
        Assert.Contains("ColumnKinds", Assert.ThrowsAny<ArgumentException>(() => ml.Transforms.Nice(constant)).Message);
        Assert.ThrowsAny<ArgumentException>(() => NiceColumnKind.Discrete(0));
    }

    /// <summary>n rows of four correlated integer columns with few levels (many exact duplicates).</summary>
    private static VectorRow[] Integers(int n, int seed) => Fixtures.Correlated(n, seed)
        .Select(r => new VectorRow { Features = r.Features.Select(v => MathF.Round(v * 1.2f)).ToArray() }).ToArray();

    [Fact]
    public void IntegerColumns_AreDequantized_SoTheGridCellsProbabilitiesSumToAboutOne()
    {
        // A density on integer rows is proper when p(x)·1 (the probability of x's unit cell) summed over every cell is
        // about 1; treated as continuous, the flow piles density on the grid points and the sum grows far past 1 (the
        // likelihood of repeated rows grows without bound: memorization).
        var train = Integers(300, seed: 21);
        var grid = (from a in Enumerable.Range(-7, 15) from b in Enumerable.Range(-7, 15)
                    from c in Enumerable.Range(-7, 15) from d in Enumerable.Range(-7, 15)
                    select new float[] { a, b, c, d }).ToArray();
        double Mass(bool detect)
        {
            using var model = ml.Transforms.Nice(new NiceOptions
            {
                HiddenLayers = 2, HiddenWidth = 64, Epochs = 150, EarlyStoppingPatience = 0, BatchSize = 32, Seed = 1,
                LearningRate = 3e-3, EnsembleMembers = 1, Smoothing = 0, DetectColumnKinds = detect,
            }).Fit(Fixtures.Data(ml, train));
            if (detect) Assert.All(model.TrainingSummary!.Resolved!.ColumnKinds, k => Assert.Equal(NiceColumnKind.Discrete(1), k));
            return model.LogLikelihood(grid).Sum(ll => Math.Exp(ll));
        }
        double dequantized = Mass(detect: true), continuous = Mass(detect: false);
        Assert.True(dequantized is > 0.7 and < 1.3 && continuous > 3,
            $"sum over the grid cells of p(x): {dequantized:F3} dequantized, {continuous:F3} treated as continuous");
    }

    [Fact]
    public void GridColumns_StandardizedInFloat32_AreStillFoundDiscrete_WithTheirStep()
    {
        // Word frequencies on a 0.01 grid and counts, both mostly 0 with a long tail (k up to 2,000 steps), standardized
        // as a pipeline does before the flow and stored as float32: the grid is then a grid only to float32 precision,
        // and far up it (k in the thousands) the rounding of the smallest gap, times k, exceeds a step.
        var rng = new Random(5);
        const int n = 1000;
        double[] Tail(double unit) => Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.6 ? 0
            : unit * Math.Min(2000, 1 + (int)(-Math.Log(1 - rng.NextDouble()) * 250))).ToArray();
        (double[] Z, double Step) Standardized(double[] v, double unit)
        {
            double mean = v.Average(), sd = Math.Sqrt(v.Average(x => (x - mean) * (x - mean)));
            return (v.Select(x => (x - mean) / sd).ToArray(), unit / sd);
        }
        var (freq, freqStep) = Standardized(Tail(0.01), 0.01);
        var (counts, countStep) = Standardized(Tail(1), 1);
        var rows = Enumerable.Range(0, n).Select(i => new VectorRow
        {
            Features = new[] { (float)freq[i], (float)counts[i], (float)(rng.NextDouble() + rng.NextDouble()),
                (float)rng.NextDouble() },
        }).ToArray();
        Assert.True(freq.Max() - freq.Min() > 1000 * freqStep);   // the tail reaches more than 1,000 steps up

        using var model = ml.Transforms.Nice(new NiceOptions { Epochs = 1, EnsembleMembers = 1, Seed = 1 })
            .Fit(Fixtures.Data(ml, rows));
        var kinds = model.TrainingSummary!.Resolved!.ColumnKinds;
        Assert.Equal(new[] { NiceColumnType.Discrete, NiceColumnType.Discrete, NiceColumnType.Continuous,
            NiceColumnType.Continuous }, kinds.Select(k => k.Type));
        Assert.InRange(kinds[0].Step / freqStep, 1 - 1e-4, 1 + 1e-4);
        Assert.InRange(kinds[1].Step / countStep, 1 - 1e-4, 1 + 1e-4);
    }

    [Fact]
    public void QuantizedData_KeepTheEarlierDefaults_AndPaperMnistIsThePapersModel()
    {
        var pixels = Enumerable.Range(0, 500 * 4).Select(i => (float)(i * 37 % 256)).ToArray();
        var scan = ColumnScan.Read(new ArrayRowSource(pixels, 4), shapes: false, covariance: false);
        var r = NiceDefaults.Resolve(new NiceOptions { DequantizationLevels = 256 }, scan);
        Assert.Equal((5, 1000, 100, 200, 10, 1), (r.HiddenLayers, r.HiddenWidth, r.Epochs, r.BatchSize, r.EarlyStoppingPatience, r.EnsembleMembers));
        Assert.False(r.InputNormalization);
        Assert.Equal(0, r.Smoothing);

        var paper = NiceOptions.PaperMnist();
        Assert.Equal((4, 5, 1000, 1500, 200), (paper.Couplings, paper.HiddenLayers, paper.HiddenWidth, paper.Epochs, paper.BatchSize));
        var p = NiceDefaults.Resolve(paper, ColumnScan.Read(new ArrayRowSource(pixels, 4), shapes: true, covariance: true));
        Assert.Equal(1, p.EnsembleMembers);
        Assert.False(p.InputNormalization);
        Assert.Equal(0, p.Smoothing);
        Assert.All(p.ColumnKinds, k => Assert.Equal(NiceColumnKind.Continuous, k));
    }
}
