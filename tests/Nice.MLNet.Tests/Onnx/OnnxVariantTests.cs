using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;
using Nice.MLNet.Tests.MLNet;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Onnx;

/// <summary>
/// NICE's successors (affine coupling, permutation / LU mixing, actnorm) through ONNX: the forward and inverse graphs compute
/// what TorchSharp computes (in ONNX Runtime, to 1e-4), the import rebuilds the same flow (trained and fixed parts), the
/// format stays compatible, and an ML.NET zip round-trips.
/// </summary>
public sealed class OnnxVariantTests : IDisposable
{
    private const double Tolerance = 1e-4;
    private static readonly Dequantization Levels16 = new(16, 0.5, -1.0);
    private readonly string dir = Directory.CreateTempSubdirectory("nice-variants-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    public static IEnumerable<object[]> Variants()
    {
        foreach (var coupling in new[] { NiceCoupling.Additive, NiceCoupling.Affine })
        foreach (var mixing in new[] { NiceMixing.None, NiceMixing.Permutation, NiceMixing.LU })
        foreach (var actNorm in new[] { false, true })
        foreach (var layout in new[] { 0, 1 })
            yield return new object[] { coupling, mixing, actNorm, layout };
    }

    /// <summary>Layout 0: interleaved, logistic prior, dequantized, batched. Layout 1: contiguous, Gaussian, raw, one row at a time, with the input normalization.</summary>
    private static (FlowConfig Config, Dequantization? Dq, bool Batched) Setup(NiceCoupling coupling, NiceMixing mixing, bool actNorm, int layout, int d = 7)
        => layout == 0
            ? (TestConfig.Nice(d, 3, 2, 12, NiceActivation.ReLU, NicePartition.Interleaved, NicePrior.Logistic, coupling, mixing, actNorm), Levels16, true)
            : (TestConfig.Nice(d, 3, 2, 12, NiceActivation.LeakyReLU, NicePartition.Contiguous, NicePrior.Gaussian, coupling, mixing, actNorm, InputNorm: true), null, false);

    private static NiceFlow Random(FlowConfig config, int seed)
    {
        var flow = TestUtil.RandomFlow(config, seed, scale: 0.4);
        Flow.FlowVariantPropertyTests.MixSigns(flow);   // other P and signs than a fresh flow's: the graphs and the import must carry them
        return flow;
    }

    private static Tensor RawRows(int n, int d, Dequantization? dq, int seed)
    {
        var g = new Generator((ulong)seed);
        if (dq == null) return randn(new long[] { n, d }, generator: g) * 2;
        var k = randint(0, dq.Levels, new long[] { n, d }, generator: g).to(ScalarType.Float32);
        return k * dq.Step + dq.Offset;
    }

    private static float[] Floats(Tensor t) => t.contiguous().data<float>().ToArray();

    [Theory]
    [MemberData(nameof(Variants))]
    public void ForwardGraph_MatchesTorch(NiceCoupling coupling, NiceMixing mixing, bool actNorm, int layout)
    {
        using var scope = NewDisposeScope();
        var (config, dq, batched) = Setup(coupling, mixing, actNorm, layout);
        int d = config.Dimension;
        const int n = 6;
        using var flow = Random(config, 31 + 7 * (int)coupling + 3 * (int)mixing + (actNorm ? 1 : 0) + 11 * layout);
        var onnx = NiceOnnx.ExportForward(flow, dq, batched);
        var raw = RawRows(n, d, dq, seed: 5);
        using var _ = no_grad();
        var (z, ll) = flow.Encode(dq?.ToFlow(raw, noise: false) ?? raw);
        Assert.True((z - (dq?.ToFlow(raw, noise: false) ?? raw)).abs().max().item<float>() > 1e-2, "the random flow should not be the identity");

        using var ort = new Ort(onnx);
        for (int row = 0; row < (batched ? 1 : n); row++)
        {
            var outputs = batched ? ort.Run("Features", Floats(raw), n, d) : ort.Run("Features", Floats(raw[row]), d);
            OnnxAssert.Close(Floats(batched ? z : z[row]), outputs["Latent"].Values, Tolerance, $"latent (row {row})");
            OnnxAssert.Close(batched ? Floats(ll) : new[] { ll[row].item<float>() }, outputs["LogLikelihood"].Values, Tolerance, $"log-likelihood (row {row})");
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void InverseGraph_MatchesTorch(NiceCoupling coupling, NiceMixing mixing, bool actNorm, int layout)
    {
        using var scope = NewDisposeScope();
        var (config, dq, batched) = Setup(coupling, mixing, actNorm, layout);
        int d = config.Dimension;
        const int n = 5;
        using var flow = Random(config, 57 + 7 * (int)coupling + 3 * (int)mixing + (actNorm ? 1 : 0) + 11 * layout);
        var onnx = NiceOnnx.ExportInverse(flow, dq, batched);
        using var _ = no_grad();
        var z = randn(new long[] { n, d }, generator: new Generator(58));
        var x = flow.Inverse(z);
        var expected = dq?.FromFlow(x) ?? x;
        using var ort = new Ort(onnx);
        for (int row = 0; row < (batched ? 1 : n); row++)
        {
            var outputs = batched ? ort.Run("Latent", Floats(z), n, d) : ort.Run("Latent", Floats(z[row]), d);
            OnnxAssert.Close(Floats(batched ? expected : expected[row]), outputs["Features"].Values, Tolerance, $"features (row {row})");
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Read_OfExport_RebuildsTheSameFlow_WithItsFixedParts(NiceCoupling coupling, NiceMixing mixing, bool actNorm, int layout)
    {
        using var scope = NewDisposeScope();
        var (config, dq, batched) = Setup(coupling, mixing, actNorm, layout);
        using var flow = Random(config, 77 + layout);
        // A permutation other than the seeded one the importer would build on its own: only reading it back gives the same flow.
        foreach (var p in flow.Layers.OfType<PermutationMixing>()) p.SetPermutation(p.Permutation.Reverse().ToArray());
        var bytes = layout == 0 ? NiceOnnx.ExportForward(flow, dq, batched) : NiceOnnx.ExportInverse(flow, dq, batched);
        using var model = NiceOnnx.Read(bytes);
        Assert.Equal(flow.Config, model.Flow.Config);

        var expected = flow.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(expected.Keys.OrderBy(k => k), model.Flow.named_parameters().Select(p => p.name).OrderBy(k => k));
        foreach (var (name, p) in model.Flow.named_parameters())
            Assert.True(p.allclose(expected[name], rtol: 0, atol: 0), $"parameter {name} differs after the round trip");
        foreach (var (a, b) in flow.Layers.Zip(model.Flow.Layers))
        {
            if (a is PermutationMixing pa) Assert.Equal(pa.Permutation, ((PermutationMixing)b).Permutation);
            if (a is LuMixing la)
            {
                Assert.Equal(la.Permutation, ((LuMixing)b).Permutation);
                Assert.True(la.Sign.eq(((LuMixing)b).Sign).all().item<bool>(), "LU signs differ");
            }
        }
        using var _ = no_grad();
        var x = randn(new long[] { 16, config.Dimension }, generator: new Generator(4));
        Assert.True(model.Flow.LogLikelihood(x).allclose(flow.LogLikelihood(x), rtol: 0, atol: 0), "the rebuilt flow's log-likelihood differs");
        Assert.True(model.Flow.Inverse(x).allclose(flow.Inverse(x), rtol: 0, atol: 0), "the rebuilt flow's inverse differs");
    }

    [Fact]
    public void PlainNice_KeepsFormat1AndItsJson_SuccessorsWriteFormat1_1_OldJsonReadsAsNice()
    {
        using var nice = TestUtil.RandomFlow(TestConfig.Nice(5, 2, 1, 4));
        var plain = OnnxModelContents.Parse(NiceOnnx.ExportForward(nice, null, true)).Metadata;
        Assert.Equal("1", plain[NiceOnnxMetadata.FormatKey]);
        Assert.Equal("{\"Dimension\":5,\"Couplings\":2,\"HiddenLayers\":1,\"HiddenWidth\":4,\"Activation\":\"ReLU\",\"Partition\":\"Interleaved\",\"Prior\":\"Logistic\"}",
            plain[NiceOnnxMetadata.ConfigKey]);

        using var real = TestUtil.RandomFlow(TestConfig.Nice(5, 2, 1, 4, Coupling: NiceCoupling.Affine, Mixing: NiceMixing.LU, ActNorm: true));
        var successor = OnnxModelContents.Parse(NiceOnnx.ExportForward(real, null, true)).Metadata;
        Assert.Equal("1.1", successor[NiceOnnxMetadata.FormatKey]);
        Assert.Contains("\"Coupling\":\"Affine\"", successor[NiceOnnxMetadata.ConfigKey]);
        Assert.Equal(real.Config, NiceOnnxMetadata.ReadConfig(successor));

        var old = NiceOnnxMetadata.ReadConfig(new Dictionary<string, string>
        {
            [NiceOnnxMetadata.ConfigKey] = "{\"Dimension\":5,\"Couplings\":2,\"HiddenLayers\":1,\"HiddenWidth\":4,\"Activation\":\"ReLU\",\"Partition\":\"Interleaved\",\"Prior\":\"Logistic\"}",
        });
        Assert.True(old.IsPlainNice);
        Assert.Equal(TestConfig.Nice(5, 2, 1, 4), old);
    }

    [Fact]
    public void InputNorm_WritesFormat1_2_AndReadsBackTheSameFlow()
    {
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(5, 2, 1, 4, InputNorm: true));
        var bytes = NiceOnnx.ExportForward(flow, null, true);
        var metadata = OnnxModelContents.Parse(bytes).Metadata;
        Assert.Equal("1.2", metadata[NiceOnnxMetadata.FormatKey]);
        Assert.Contains("\"InputNorm\":true", metadata[NiceOnnxMetadata.ConfigKey]);
        using var model = NiceOnnx.Read(bytes);
        Assert.Equal(flow.Config, model.Flow.Config);
        using var x = randn(new long[] { 4, 5 }, generator: new Generator(1));
        Assert.True(model.Flow.LogLikelihood(x).allclose(flow.LogLikelihood(x), rtol: 0, atol: 0));
    }

    [Fact]
    public void Read_RefusesAMixingWhosePermutationIsNotOne()
    {
        const int d = 6;
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(d, 2, 1, 4, Mixing: NiceMixing.Permutation));
        var perm = flow.Layers.OfType<PermutationMixing>().Single().Permutation;
        var bytes = NiceOnnx.ExportForward(flow, null, true);
        var pattern = perm.SelectMany(BitConverter.GetBytes).ToArray();
        int at = IndexOf(bytes, pattern);
        Assert.True(at >= 0, "the permutation's raw data should be in the file");
        Assert.Equal(-1, IndexOf(bytes, pattern, at + 1));
        // π[1] := π[0]: a repeated index.
        Array.Copy(BitConverter.GetBytes(perm[0]), 0, bytes, at + 8, 8);
        var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(bytes));
        Assert.Contains("layers.1", e.Message);
        Assert.Contains("Not a permutation", e.Message);
    }

    private static int IndexOf(byte[] haystack, byte[] needle, int from = 0)
    {
        for (int i = from; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }

    [Fact]
    public void RealNvpWithLuAndActNorm_FromTheEstimator_RoundTripsThroughAnMlNetZip()
    {
        var ml = new MLContext(seed: 1);
        var digits = Fixtures.Digits(ml);
        var options = new NiceOptions
        {
            Couplings = 4, HiddenLayers = 2, HiddenWidth = 32, Epochs = 2, BatchSize = 64, Seed = 1,
            Coupling = NiceCoupling.Affine, Mixing = NiceMixing.LU, ActNorm = true, DequantizationLevels = 17,
        };
        using var model = ml.Transforms.Nice(options).Fit(digits);
        Assert.True(model.TrainingSummary!.History.All(h => double.IsFinite(h.TrainNll)), "training should stay finite");
        string path = Path.Combine(dir, "realnvp.zip");
        ml.Model.Save(model, digits.Schema, path);

        var fitted = Fixtures.Column(model.Transform(digits), "LogLikelihood");
        var loaded = new MLContext().Model.Load(path, out _);
        var reloaded = Fixtures.Column(loaded.Transform(digits), "LogLikelihood");
        Assert.Equal(fitted.Length, reloaded.Length);
        for (int i = 0; i < fitted.Length; i++)
            Assert.True(Math.Abs(fitted[i] - reloaded[i]) <= 1e-4 * Math.Max(1, Math.Abs(fitted[i])), $"row {i}: fitted {fitted[i]}, Model.Load {reloaded[i]}");

        using var nice = NiceTransformer.Load(ml, path);
        Assert.Equal(fitted, Fixtures.Column(nice.Transform(digits), "LogLikelihood"));
        Assert.Equal(model.Sample(4, 0.7, seed: 2), nice.Sample(4, 0.7, seed: 2));
    }
}
