using System;
using System.Linq;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;
using Nice.MLNet.Scoring;
using Xunit;

namespace Nice.MLNet.Tests.Scoring;

/// <summary>
/// The ONNX Runtime engine scores like the TorchSharp engine — the same latent codes and log-likelihoods to a relative
/// 1e-4 for every kind of flow, and the same handling of rows it cannot score in float32 (NaN/∞ in: NaN out; overflow:
/// rescored in float64).
/// </summary>
public class ScoringEngineTests
{
    /// <summary>|a − b| ≤ 1e-4·max(1, |b|), the tolerance two matrix-multiply libraries meet in float32.</summary>
    internal static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (!float.IsFinite(expected[i]))
            {
                Assert.True(expected[i].Equals(actual[i]), $"{what}[{i}]: {actual[i]}, expected {expected[i]}");
                continue;
            }
            double tolerance = 1e-4 * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"{what}[{i}]: {actual[i]}, expected {expected[i]} (|Δ| {Math.Abs(expected[i] - actual[i]):G3})");
        }
    }

    private static float[] Rows(int rows, int d, int seed, double scale = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, rows * d).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    private static (float[] Z, float[] Ll) Score(IScoringEngine engine, float[] x, int rows, int d)
    {
        var z = new float[rows * d];
        var ll = new float[rows];
        engine.Score(x, rows, z, ll);
        return (z, ll);
    }

    public static TheoryData<NiceCoupling, NiceMixing, bool, NicePrior, NiceActivation, bool> Kinds() => new()
    {
        { NiceCoupling.Additive, NiceMixing.None, false, NicePrior.Logistic, NiceActivation.ReLU, false },
        { NiceCoupling.Additive, NiceMixing.None, false, NicePrior.Logistic, NiceActivation.ReLU, true },
        { NiceCoupling.Additive, NiceMixing.Permutation, false, NicePrior.Gaussian, NiceActivation.LeakyReLU, false },
        { NiceCoupling.Affine, NiceMixing.LU, true, NicePrior.Logistic, NiceActivation.ReLU, false },
        { NiceCoupling.Affine, NiceMixing.Permutation, true, NicePrior.Gaussian, NiceActivation.ReLU, true },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void OnnxRuntime_MatchesTorchSharp_WithinRelative1em4(NiceCoupling coupling, NiceMixing mixing, bool actNorm,
        NicePrior prior, NiceActivation activation, bool dequantize)
    {
        const int d = 12, rows = 300;
        var config = TestConfig.Nice(d, Couplings: 4, HiddenLayers: 2, HiddenWidth: 24, Activation: activation,
            Prior: prior, Coupling: coupling, Mixing: mixing, ActNorm: actNorm);
        var dq = dequantize ? new Dequantization(16, 0.5, -2) : null;
        using var flow = new LazyFlow(TestUtil.RandomFlow(config, seed: 3, scale: 0.2));
        using var torch = new TorchScoringEngine(flow, dq, 0);
        using var ort = new OrtScoringEngine(flow, dq, 1, () => torch);
        var x = Rows(rows, d, seed: 4, scale: dequantize ? 4 : 2);

        var (z, ll) = Score(torch, x, rows, d);
        var (zo, llo) = Score(ort, x, rows, d);
        Assert.All(ll, v => Assert.True(float.IsFinite(v)));
        AssertClose(ll, llo, "log-likelihood");
        AssertClose(z, zo, "latent");
    }

    [Fact]
    public void OnnxRuntime_FromSavedWeights_MatchesTheFlow_WithoutBuildingIt()
    {
        const int d = 9, rows = 64;
        var config = TestConfig.Nice(d, Couplings: 3, HiddenLayers: 2, HiddenWidth: 16, Mixing: NiceMixing.LU);
        using var trained = TestUtil.RandomFlow(config, seed: 5, scale: 0.2);
        var bytes = NiceOnnx.ExportForward(trained, null, batched: false);
        using var read = NiceOnnx.Read(bytes);
        using var ort = new OrtScoringEngine(read.Lazy, null, 1,
            () => throw new InvalidOperationException("no row overflows here"));
        var x = Rows(rows, d, seed: 6);

        var (zo, llo) = Score(ort, x, rows, d);
        Assert.False(read.Lazy.HasFlow, "scoring on ONNX Runtime built the TorchSharp flow");
        using var torchFlow = new LazyFlow(TestUtil.RandomFlow(config, seed: 5, scale: 0.2));
        using var torch = new TorchScoringEngine(torchFlow, null, 0);
        var (z, ll) = Score(torch, x, rows, d);
        AssertClose(ll, llo, "log-likelihood");
        AssertClose(z, zo, "latent");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(3)]
    public void OnnxRuntime_OfInputNormAndEnsembles_MatchesTorchSharp_FromTheFlowAndFromSavedWeights(int? members)
    {
        const int d = 6, rows = 128;
        var config = TestConfig.Nice(d, Couplings: 3, HiddenLayers: 2, HiddenWidth: 16, Mixing: NiceMixing.LU,
            InputNorm: true) with { Members = members };
        using var flow = new LazyFlow(TestUtil.RandomFlow(config, seed: 7, scale: 0.2));
        using var torch = new TorchScoringEngine(flow, null, 0);
        using var ort = new OrtScoringEngine(flow, null, 1, () => torch);
        var x = Rows(rows, d, seed: 8, scale: 2);
        var (z, ll) = Score(torch, x, rows, d);
        var (zo, llo) = Score(ort, x, rows, d);
        Assert.All(ll, v => Assert.True(float.IsFinite(v)));
        AssertClose(ll, llo, "log-likelihood");
        AssertClose(z, zo, "latent");

        var bytes = NiceOnnx.ExportForward(flow.Flow, null, batched: true);
        using var read = NiceOnnx.Read(bytes);
        using var saved = new OrtScoringEngine(read.Lazy, null, 1,
            () => throw new InvalidOperationException("no row overflows here"));
        var (zs, lls) = Score(saved, x, rows, d);
        Assert.False(read.Lazy.HasFlow, "scoring a saved model on ONNX Runtime built the TorchSharp flow");
        AssertClose(ll, lls, "log-likelihood (saved)");
        AssertClose(z, zs, "latent (saved)");
        using var rebuilt = new TorchScoringEngine(read.Lazy, null, 0);
        var (zr, llr) = Score(rebuilt, x, rows, d);
        AssertClose(ll, llr, "log-likelihood (rebuilt flow)");
        AssertClose(z, zr, "latent (rebuilt flow)");
    }

    [Fact]
    public void OnnxRuntime_RowsWithNaNOrInfinity_GetNaN_AndLeaveTheOthersAlone()
    {
        const int d = 6, rows = 10;
        using var flow = new LazyFlow(TestUtil.RandomFlow(TestConfig.Nice(d, HiddenLayers: 2, HiddenWidth: 8), 7));
        using var torch = new TorchScoringEngine(flow, null, 0);
        using var ort = new OrtScoringEngine(flow, null, 1, () => torch);
        var clean = Rows(rows, d, seed: 8);
        var dirty = (float[])clean.Clone();
        dirty[2 * d + 1] = float.NaN;
        dirty[5 * d] = float.PositiveInfinity;
        dirty[9 * d + 5] = float.NegativeInfinity;

        var (z, ll) = Score(ort, clean, rows, d);
        var (zd, lld) = Score(ort, dirty, rows, d);
        foreach (int r in new[] { 2, 5, 9 })
        {
            Assert.True(float.IsNaN(lld[r]), $"row {r}: log-likelihood {lld[r]}");
            Assert.All(zd.AsSpan(r * d, d).ToArray(), v => Assert.True(float.IsNaN(v)));
        }
        foreach (int r in Enumerable.Range(0, rows).Except(new[] { 2, 5, 9 }))
        {
            Assert.Equal(ll[r], lld[r]);
            Assert.Equal(z.AsSpan(r * d, d).ToArray(), zd.AsSpan(r * d, d).ToArray());
        }
    }

    [Fact]
    public void OnnxRuntime_RowsOverflowingFloat32_AreRescoredInFloat64_LikeTorchSharp()
    {
        const int d = 4, rows = 6;
        using var flow = new LazyFlow(TestUtil.RandomFlow(TestConfig.Nice(d, HiddenLayers: 2, HiddenWidth: 8), 9));
        using var torch = new TorchScoringEngine(flow, null, 0);
        int rescored = 0;
        using var ort = new OrtScoringEngine(flow, null, 1, () => { rescored++; return torch; });
        var x = Rows(rows, d, seed: 10);
        x[1 * d + 1] = float.MaxValue;
        x[4 * d] = -float.MaxValue / 2;

        var (z, ll) = Score(torch, x, rows, d);
        var (zo, llo) = Score(ort, x, rows, d);
        Assert.Equal(1, rescored);
        Assert.All(llo, v => Assert.False(float.IsNaN(v), "a finite row got a NaN log-likelihood"));
        AssertClose(ll, llo, "log-likelihood");
        AssertClose(z, zo, "latent");
    }

    [Fact]
    public void OnnxRuntime_WritesOnlyTheOutputsAskedFor()
    {
        const int d = 5, rows = 7;
        using var flow = new LazyFlow(TestUtil.RandomFlow(TestConfig.Nice(d, HiddenLayers: 1, HiddenWidth: 8), 11));
        using var torch = new TorchScoringEngine(flow, null, 0);
        using var ort = new OrtScoringEngine(flow, null, 1, () => torch);
        var x = Rows(rows, d, seed: 12);
        var (z, ll) = Score(ort, x, rows, d);

        var llOnly = new float[rows + 3];   // longer than the batch, as the cursors' buffers are
        ort.Score(x, rows, null, llOnly);
        var zOnly = new float[(rows + 3) * d];
        ort.Score(x, rows, zOnly, null);
        Assert.Equal(ll, llOnly.Take(rows));
        Assert.Equal(z, zOnly.Take(rows * d));
        Assert.All(llOnly.Skip(rows), v => Assert.Equal(0f, v));
    }
}
