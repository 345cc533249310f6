using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Flow;
using Nice.MLNet.Tests.MLNet;
using Nice.MLNet.Onnx;
using Nice.MLNet.Tests.Flow;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Onnx;

/// <summary>The radial step through ONNX: the forward and inverse graphs compute what TorchSharp computes, batched and
/// one row at a time.</summary>
public sealed class OnnxRadialTests : IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly string dir = Directory.CreateTempSubdirectory("nice-radial-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static NiceFlow RandomRadialFlow(int d = 9, int rank = 4)
    {
        var config = new FlowConfig(d, 3, 2, 12, NiceActivation.LeakyReLU, NicePartition.Interleaved,
            NicePrior.Gaussian, Whitening: NiceWhitening.Full, WhiteningRank: rank, Radial: true);
        var flow = WhiteningTests.RandomWhitenedFlow(config, seed: 8);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        flow.Radial!.SetBasis(linalg.qr(randn(new long[] { d, rank }, dtype: ScalarType.Float64,
            generator: new Generator(3))).Q.to(ScalarType.Float32));
        flow.Radial.SetRadiusScale(0.6, 0.4);
        return flow;
    }

    [Fact]
    public void Read_OfExport_RebuildsTheSameFlow_InFormat1_6()
    {
        using var scope = NewDisposeScope();
        using var flow = RandomRadialFlow();
        var bytes = NiceOnnx.ExportForward(flow, null, true);
        Assert.Equal("1.6", OnnxModelContents.Parse(bytes).Metadata[NiceOnnxMetadata.FormatKey]);
        using var model = NiceOnnx.Read(bytes);
        Assert.Equal(flow.Config, model.Flow.Config);
        using var _ = no_grad();
        var x = randn(new long[] { 16, 9 }, generator: new Generator(4));
        Assert.True(model.Flow.LogLikelihood(x).allclose(flow.LogLikelihood(x), rtol: 0, atol: 0),
            "the rebuilt flow's log-likelihood differs");
        Assert.True(model.Flow.Inverse(x).allclose(flow.Inverse(x), rtol: 0, atol: 0), "the rebuilt inverse differs");
    }

    [Fact]
    public void CopyAsFloat64_KeepsTheRadialStepsFixedValues()
    {
        using var scope = NewDisposeScope();
        using var flow = RandomRadialFlow();
        using var copy = flow.CopyAs(ScalarType.Float64);
        using var _ = no_grad();
        var x = randn(new long[] { 8, 9 }, generator: new Generator(6));
        double gap = (copy.LogLikelihood(x.to(ScalarType.Float64)) - flow.LogLikelihood(x).to(ScalarType.Float64))
            .abs().max().item<double>();
        Assert.True(gap < 1e-3, $"the float64 copy's log-likelihood differs by {gap}");
    }

    [Fact]
    public void Read_RefusesARadialBasisThatIsNotOrthonormal()
    {
        using var scope = NewDisposeScope();
        using var flow = RandomRadialFlow();
        var basis = Floats(flow.Radial!.Basis);
        var bytes = NiceOnnx.ExportForward(flow, null, true);
        var needle = basis.SelectMany(BitConverter.GetBytes).ToArray();
        int at = -1;
        for (int i = 0; i + needle.Length <= bytes.Length && at < 0; i++)
            if (bytes.AsSpan(i, needle.Length).SequenceEqual(needle)) at = i;
        Assert.True(at >= 0, "B's raw data should be in the file");
        Array.Copy(BitConverter.GetBytes(basis[0] + 0.5f), 0, bytes, at, 4);
        var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(bytes));
        Assert.Contains("radial", e.Message);
        Assert.Contains("orthonormal", e.Message);
    }

    [Fact]
    public void RadialDetector_SavesAndLoads_WithLoadNiceAndModelLoad()
    {
        var ml = new MLContext(seed: 1);
        var digits = Fixtures.Digits(ml);
        var options = new NiceAnomalyOptions
        {
            Nice = new NiceOptions
            {
                Couplings = 2, HiddenLayers = 1, HiddenWidth = 16, Whitening = NiceWhitening.Full, WhiteningRank = 8,
                RadialFlow = true, Prior = NicePrior.Gaussian, Epochs = 3, Seed = 1,
            },
        };
        var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(digits);
        Assert.True(detector.Model.TrainingSummary!.History.Count > 1, "the radial flow should train");
        Fixtures.AssertSavedDetectorScoresLikeFitted(ml, detector, digits, Path.Combine(dir, "radial-detector.zip"));
    }

    private static float[] Floats(Tensor t) => t.contiguous().data<float>().ToArray();

    /// <summary>
    /// A row scores the same float32 bits alone and inside a batch, as the Gaussian does: the fitted pipeline scores
    /// batches and <c>Model.Load</c> one row per call, and with m = D − R residual dimensions a one-ulp difference in
    /// t or exp(t' − t) moves a score by ≈ m·ulp (issue 17's zip check: 1e-3 nats).
    /// </summary>
    [Fact]
    public void ForwardGraph_ScoresEachRowAloneAsInABatch_ToTheBit()
    {
        using var scope = NewDisposeScope();
        const int d = 2000, rank = 4, n = 64;
        using var flow = RandomRadialFlow(d, rank);
        var raw = randn(new long[] { n, d }, generator: new Generator(5)) * 2;
        using var ort = new Ort(NiceOnnx.ExportForward(flow, null, batched: true));
        var batch = ort.Run("Features", Floats(raw), n, d)["LogLikelihood"].Values;
        int differ = Enumerable.Range(0, n).Count(row =>
            ort.Run("Features", Floats(raw[row]), 1, d)["LogLikelihood"].Values[0] != batch[row]);
        Assert.True(differ == 0, $"{differ} of {n} rows score differently alone than in the batch");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ForwardAndInverseGraphs_MatchTorch(bool batched)
    {
        using var scope = NewDisposeScope();
        const int d = 9, n = 6;
        using var flow = RandomRadialFlow(d);
        var raw = randn(new long[] { n, d }, generator: new Generator(5)) * 2;
        using var _ = no_grad();
        var (z, ll) = flow.Encode(raw);
        using (var ort = new Ort(NiceOnnx.ExportForward(flow, null, batched)))
            for (int row = 0; row < (batched ? 1 : n); row++)
            {
                var outputs = batched ? ort.Run("Features", Floats(raw), n, d) : ort.Run("Features", Floats(raw[row]), d);
                OnnxAssert.Close(Floats(batched ? z : z[row]), outputs["Latent"].Values, Tolerance, $"latent (row {row})");
                OnnxAssert.Close(batched ? Floats(ll) : new[] { ll[row].item<float>() }, outputs["LogLikelihood"].Values,
                    Tolerance, $"log-likelihood (row {row})");
            }
        var latent = randn(new long[] { n, d }, generator: new Generator(58));
        var x = flow.Inverse(latent);
        Assert.True((flow.Encode(x).Z - latent).abs().max().item<float>() < 1e-3, "the flow's own inverse");
        using (var ort = new Ort(NiceOnnx.ExportInverse(flow, null, batched)))
            for (int row = 0; row < (batched ? 1 : n); row++)
            {
                var outputs = batched ? ort.Run("Latent", Floats(latent), n, d) : ort.Run("Latent", Floats(latent[row]), d);
                OnnxAssert.Close(Floats(batched ? x : x[row]), outputs["Features"].Values, Tolerance, $"features (row {row})");
            }
    }
}
