using System;
using System.Collections.Generic;
using System.Linq;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Onnx;

/// <summary>The exported graphs compute what the TorchSharp flow computes, in ONNX Runtime.</summary>
public class OnnxExportTests
{
    private const double Tolerance = 1e-4;
    private static readonly Dequantization Levels16 = new(16, 0.5, -1.0);

    public static IEnumerable<object[]> Architectures()
    {
        foreach (var partition in new[] { NicePartition.Interleaved, NicePartition.Contiguous })
        foreach (var prior in new[] { NicePrior.Logistic, NicePrior.Gaussian })
        foreach (var d in new[] { 5, 7 })
        foreach (var activation in new[] { NiceActivation.ReLU, NiceActivation.LeakyReLU })
        foreach (var dequantize in new[] { false, true })
        foreach (var batched in new[] { true, false })
            yield return new object[] { partition, prior, d, activation, dequantize, batched };
    }

    private static FlowConfig Config(NicePartition partition, NicePrior prior, int d, NiceActivation activation)
        => new(d, Couplings: 4, HiddenLayers: 2, HiddenWidth: 16, activation, partition, prior);

    /// <summary>Raw rows: with dequantization, levels −2…L+1 (some outside the range, to exercise the clamp) plus noise below half a step.</summary>
    private static Tensor RawRows(int n, int d, Dequantization? dq, int seed)
    {
        var g = new Generator((ulong)seed);
        if (dq == null) return randn(new long[] { n, d }, generator: g) * 2;
        var k = randint(-2, dq.Levels + 2, new long[] { n, d }, generator: g).to(ScalarType.Float32);
        var noise = (rand(new long[] { n, d }, generator: g) - 0.5) * 0.8;
        return (k + noise) * dq.Step + dq.Offset;
    }

    private static float[] Floats(Tensor t) => t.contiguous().data<float>().ToArray();

    [Theory]
    [MemberData(nameof(Architectures))]
    public void ForwardGraph_MatchesTorch_ForEveryArchitecture(NicePartition partition, NicePrior prior, int d, NiceActivation activation, bool dequantize, bool batched)
    {
        using var scope = NewDisposeScope();
        using var flow = TestUtil.RandomFlow(Config(partition, prior, d, activation), seed: d * 7 + (int)partition, scale: 0.4);
        var dq = dequantize ? Levels16 : null;
        var onnx = NiceOnnx.ExportForward(flow, dq, batched);
        const int n = 6;
        var raw = RawRows(n, d, dq, seed: d);
        using var _ = no_grad();
        var (z, ll) = flow.Encode(dq?.ToFlow(raw, noise: false) ?? raw);
        Assert.True((z - raw).abs().max().item<float>() > 1e-2, "the random flow should not be the identity");

        using var ort = new Ort(onnx);
        if (batched)
        {
            var outputs = ort.Run("Features", Floats(raw), n, d);
            Assert.Equal(new long[] { n, d }, outputs["Latent"].Shape);
            Assert.Equal(new long[] { n }, outputs["LogLikelihood"].Shape);
            OnnxAssert.Close(Floats(z), outputs["Latent"].Values, Tolerance, "latent");
            OnnxAssert.Close(Floats(ll), outputs["LogLikelihood"].Values, Tolerance, "log-likelihood");
        }
        else
        {
            for (int row = 0; row < n; row++)
            {
                var outputs = ort.Run("Features", Floats(raw[row]), d);
                Assert.Equal(new long[] { d }, outputs["Latent"].Shape);
                Assert.Equal(new long[] { 1 }, outputs["LogLikelihood"].Shape);
                OnnxAssert.Close(Floats(z[row]), outputs["Latent"].Values, Tolerance, $"latent of row {row}");
                OnnxAssert.Close(new[] { ll[row].item<float>() }, outputs["LogLikelihood"].Values, Tolerance, $"log-likelihood of row {row}");
            }
        }
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void ForwardGraph_GivesNaNForNonFiniteRows_AndMinusInfinityNotNaNWhenAFiniteRowOverflows(bool dequantize,
        bool batched)
    {
        using var scope = NewDisposeScope();
        const int d = 5, n = 6;
        using var flow = TestUtil.RandomFlow(Config(NicePartition.Interleaved, NicePrior.Logistic, d, NiceActivation.ReLU), seed: 3, scale: 0.4);
        var dq = dequantize ? Levels16 : null;
        var rows = Floats(RawRows(n, d, dq, seed: 5));
        rows[1 * d + 2] = float.NaN;
        rows[2 * d + 0] = float.PositiveInfinity;
        rows[3 * d + 4] = float.NegativeInfinity;
        rows[4 * d + 1] = float.MaxValue;   // finite: overflows inside the float32 graph
        rows[5 * d + 0] = -float.MaxValue;
        var expected = new float[n];
        using (no_grad())
        using (var clean = tensor(rows.Select(v => float.IsFinite(v) ? v : 0f).ToArray(), new long[] { n, d }))
            expected = Floats(flow.LogLikelihood(dq?.ToFlow(clean, noise: false) ?? clean));
        var onnx = NiceOnnx.ExportForward(flow, dq, batched);
        using var ort = new Ort(onnx);
        for (int row = 0; row < n; row++)
        {
            var outputs = batched ? ort.Run("Features", rows, n, d) : ort.Run("Features", rows[(row * d)..((row + 1) * d)], d);
            float ll = outputs["LogLikelihood"].Values[batched ? row : 0];
            var latent = batched ? outputs["Latent"].Values[(row * d)..((row + 1) * d)] : outputs["Latent"].Values;
            if (row is 1 or 2 or 3)
            {
                Assert.True(float.IsNaN(ll), $"row {row}: a row with NaN or ±∞ gets NaN, got {ll}");
                Assert.All(latent, v => Assert.True(float.IsNaN(v)));
            }
            else if (row is 4 or 5 && !dequantize)
                Assert.True(ll == float.NegativeInfinity || float.IsFinite(ll) && ll < expected[0], $"row {row}: {ll}");
            else if (row == 0)
                OnnxAssert.Close(new[] { expected[0] }, new[] { ll }, Tolerance, "an ordinary row");
            Assert.False(row is 0 or 4 or 5 && float.IsNaN(ll), $"row {row}: finite rows never give NaN");
        }
    }

    [Theory]
    [InlineData(NicePartition.Interleaved, NiceActivation.ReLU, false, true)]
    [InlineData(NicePartition.Contiguous, NiceActivation.LeakyReLU, false, false)]
    [InlineData(NicePartition.Interleaved, NiceActivation.LeakyReLU, true, true)]
    [InlineData(NicePartition.Contiguous, NiceActivation.ReLU, true, false)]
    public void InverseGraph_MatchesTorch(NicePartition partition, NiceActivation activation, bool dequantize, bool batched)
    {
        using var scope = NewDisposeScope();
        const int d = 7, n = 5;
        using var flow = TestUtil.RandomFlow(Config(partition, NicePrior.Logistic, d, activation), seed: 11, scale: 0.4);
        var dq = dequantize ? Levels16 : null;
        var onnx = NiceOnnx.ExportInverse(flow, dq, batched);
        using var _ = no_grad();
        var z = randn(new long[] { n, d }, generator: new Generator(12));
        var x = flow.Inverse(z);
        var expected = dq?.FromFlow(x) ?? x;

        using var ort = new Ort(onnx);
        for (int row = 0; row < (batched ? 1 : n); row++)
        {
            var outputs = batched ? ort.Run("Latent", Floats(z), n, d) : ort.Run("Latent", Floats(z[row]), d);
            Assert.Equal(batched ? new long[] { n, d } : new long[] { d }, outputs["Features"].Shape);
            OnnxAssert.Close(Floats(batched ? expected : expected[row]), outputs["Features"].Values, Tolerance, "features");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InverseGraph_OfForwardGraph_ReturnsInput(bool dequantize)
    {
        using var scope = NewDisposeScope();
        const int d = 9, n = 8;
        using var flow = TestUtil.RandomFlow(Config(NicePartition.Interleaved, NicePrior.Gaussian, d, NiceActivation.ReLU), seed: 4, scale: 0.4);
        var dq = dequantize ? Levels16 : null;
        var raw = RawRows(n, d, dq, seed: 9);
        var forward = Ort.Once(NiceOnnx.ExportForward(flow, dq, batched: true), "Features", Floats(raw), n, d);
        var latent = forward["Latent"].Values;
        var back = Ort.Once(NiceOnnx.ExportInverse(flow, dq, batched: true), "Latent", latent, n, d)["Features"].Values;

        // Without dequantization the input comes back; with it, the input's quantization level comes back (clamped to the range).
        var expected = dq == null ? raw : ((raw - dq.Offset) / dq.Step).round().clamp(0, dq.Levels - 1) * dq.Step + dq.Offset;
        OnnxAssert.Close(Floats(expected), back, 1e-4, "f^-1(f(x))");
        Assert.True(latent.Zip(Floats(raw)).Max(p => Math.Abs(p.First - p.Second)) > 1e-2, "the random flow should move its input");
    }

    [Fact]
    public void ForwardGraph_LogisticPrior_IsFiniteForHugeLatents()
    {
        using var scope = NewDisposeScope();
        const int d = 6, n = 4;
        using var flow = TestUtil.RandomFlow(Config(NicePartition.Interleaved, NicePrior.Logistic, d, NiceActivation.ReLU), seed: 2, scale: 0.1);
        var x = tensor(new float[] { 1e4f, -1e4f, 3e4f, -3e4f }).repeat_interleave(d).reshape(n, d) * tensor(new float[] { 1, -1, 1, -1, 1, -1 });
        using var _ = no_grad();
        var (z, ll) = flow.Encode(x);
        Assert.True(z.abs().max().item<float>() >= 1e4, "the test needs latents of magnitude 1e4");
        Assert.True(torch.isfinite(ll).all().item<bool>(), "the torch reference must be finite");

        var outputs = Ort.Once(NiceOnnx.ExportForward(flow, null, batched: true), "Features", Floats(x), n, d);
        OnnxAssert.Close(Floats(z), outputs["Latent"].Values, Tolerance, "latent");
        OnnxAssert.Close(Floats(ll), outputs["LogLikelihood"].Values, Tolerance, "log-likelihood");
    }

    [Fact]
    public void PaperSizeModel_On784Dimensions_ExportsAndRunsInOnnxRuntime()
    {
        using var scope = NewDisposeScope();
        const int d = 784, n = 3;
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(d, 4, 5, 1000), seed: 1, scale: 0.02);
        var onnx = NiceOnnx.ExportForward(flow, Dequantization.Bytes, batched: true);
        long weights = flow.parameters().Sum(p => p.numel());
        Assert.True(onnx.Length >= weights * 4 && onnx.Length < weights * 4 + 1_000_000, $"{onnx.Length} bytes for {weights} float weights");

        var raw = randint(0, 256, new long[] { n, d }, generator: new Generator(2)).to(ScalarType.Float32);
        using var _ = no_grad();
        var (z, ll) = flow.Encode(Dequantization.Bytes.ToFlow(raw, noise: false));
        var outputs = Ort.Once(onnx, "Features", Floats(raw), n, d);
        OnnxAssert.Close(Floats(z), outputs["Latent"].Values, Tolerance, "latent");
        OnnxAssert.Close(Floats(ll), outputs["LogLikelihood"].Values, Tolerance, "log-likelihood");
    }

    [Fact]
    public void Export_OfFloat64Flow_WritesFloat32WeightsThatMatch()
    {
        using var scope = NewDisposeScope();
        const int d = 5, n = 4;
        using var flow = TestUtil.RandomFlow(Config(NicePartition.Contiguous, NicePrior.Logistic, d, NiceActivation.ReLU), seed: 8, scale: 0.4, dtype: ScalarType.Float64);
        var x = randn(new long[] { n, d }, dtype: ScalarType.Float64, generator: new Generator(9));
        using var _ = no_grad();
        var (z, ll) = flow.Encode(x);
        var outputs = Ort.Once(NiceOnnx.ExportForward(flow, null, batched: true), "Features", Floats(x.to(ScalarType.Float32)), n, d);
        OnnxAssert.Close(Floats(z.to(ScalarType.Float32)), outputs["Latent"].Values, Tolerance, "latent");
        OnnxAssert.Close(Floats(ll.to(ScalarType.Float32)), outputs["LogLikelihood"].Values, Tolerance, "log-likelihood");
    }

    [Fact]
    public void Export_RefusesClashingNames()
    {
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(4, 2, 1, 4));
        var e = Assert.Throws<ArgumentException>(() => NiceOnnx.ExportForward(flow, null, true, null, "X", "X", "LL"));
        Assert.Contains("'X' is used twice", e.Message);
    }

    [Fact]
    public void Export_RefusesReservedMetadataKeys()
    {
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(4, 2, 1, 4));
        var e = Assert.Throws<ArgumentException>(() => NiceOnnx.ExportForward(flow, null, true, new Dictionary<string, string> { ["nice.config"] = "x" }));
        Assert.Contains("reserved", e.Message);
    }
}
