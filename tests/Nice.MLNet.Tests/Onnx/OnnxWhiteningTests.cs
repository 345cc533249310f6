using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;
using Nice.MLNet.Tests.Flow;
using Nice.MLNet.Tests.MLNet;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Onnx;

/// <summary>
/// The whitening layer through ONNX and ML.NET zips: the forward and inverse graphs compute what TorchSharp computes,
/// the import rebuilds the same μ and W (format "1.3"; models without whitening keep their format), a damaged W is
/// refused by name, and estimator and anomaly-detector models (also with no couplings: the Gaussian) round-trip
/// through <c>Model.Save</c> / <c>Model.Load</c> / <c>NiceTransformer.Load</c> / <c>LoadNice</c>.
/// </summary>
public sealed class OnnxWhiteningTests : IDisposable
{
    private const double Tolerance = 1e-4;
    private static readonly Dequantization Levels16 = new(16, 0.5, -1.0);
    private readonly string dir = Directory.CreateTempSubdirectory("nice-whitening-").FullName;
    private readonly ITestOutputHelper output;

    public OnnxWhiteningTests(ITestOutputHelper output) => this.output = output;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>Diagonal, full (triangular) and full low-rank (rank 3) whitening.</summary>
    public static IEnumerable<object[]> Cases()
    {
        foreach (var (kind, rank) in new[] { (NiceWhitening.Diagonal, 0), (NiceWhitening.Full, 0), (NiceWhitening.Full, 3) })
        foreach (var couplings in new[] { 0, 2 })
        foreach (var layout in new[] { 0, 1 })
            yield return new object[] { kind, couplings, layout, rank };
    }

    /// <summary>Layout 0: affine couplings, logistic prior, dequantized, batched. Layout 1: additive, Gaussian, raw, one
    /// row at a time.</summary>
    private static (FlowConfig Config, Dequantization? Dq, bool Batched) Setup(NiceWhitening kind, int couplings, int layout, int d = 7, int rank = 0)
        => layout == 0
            ? (new FlowConfig(d, couplings, 2, 12, NiceActivation.ReLU, NicePartition.Interleaved, NicePrior.Logistic,
                NiceCoupling.Affine, NiceMixing.Permutation, ActNorm: true, Whitening: kind, WhiteningRank: rank > 0 ? rank : null), Levels16, true)
            : (new FlowConfig(d, couplings, 2, 12, NiceActivation.LeakyReLU, NicePartition.Contiguous, NicePrior.Gaussian,
                Whitening: kind, WhiteningRank: rank > 0 ? rank : null), null, false);

    private static Tensor RawRows(int n, int d, Dequantization? dq, int seed)
    {
        var g = new Generator((ulong)seed);
        if (dq == null) return randn(new long[] { n, d }, generator: g) * 2;
        var k = randint(0, dq.Levels, new long[] { n, d }, generator: g).to(ScalarType.Float32);
        return k * dq.Step + dq.Offset;
    }

    private static float[] Floats(Tensor t) => t.contiguous().data<float>().ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndInverseGraphs_MatchTorch(NiceWhitening kind, int couplings, int layout, int rank)
    {
        using var scope = NewDisposeScope();
        var (config, dq, batched) = Setup(kind, couplings, layout, rank: rank);
        int d = config.Dimension;
        const int n = 6;
        using var flow = WhiteningTests.RandomWhitenedFlow(config, seed: 40 + couplings + 3 * layout);
        var raw = RawRows(n, d, dq, seed: 5);
        using var _ = no_grad();
        var (z, ll) = flow.Encode(dq?.ToFlow(raw, noise: false) ?? raw);
        using (var ort = new Ort(NiceOnnx.ExportForward(flow, dq, batched)))
            for (int row = 0; row < (batched ? 1 : n); row++)
            {
                var outputs = batched ? ort.Run("Features", Floats(raw), n, d) : ort.Run("Features", Floats(raw[row]), d);
                OnnxAssert.Close(Floats(batched ? z : z[row]), outputs["Latent"].Values, Tolerance, $"latent (row {row})");
                OnnxAssert.Close(batched ? Floats(ll) : new[] { ll[row].item<float>() }, outputs["LogLikelihood"].Values, Tolerance, $"log-likelihood (row {row})");
            }
        var latent = randn(new long[] { n, d }, generator: new Generator(58));
        var x = flow.Inverse(latent);
        var expected = dq?.FromFlow(x) ?? x;
        using (var ort = new Ort(NiceOnnx.ExportInverse(flow, dq, batched)))
            for (int row = 0; row < (batched ? 1 : n); row++)
            {
                var outputs = batched ? ort.Run("Latent", Floats(latent), n, d) : ort.Run("Latent", Floats(latent[row]), d);
                OnnxAssert.Close(Floats(batched ? expected : expected[row]), outputs["Features"].Values, Tolerance, $"features (row {row})");
            }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Read_OfExport_RebuildsTheSameFlow_WithItsWhitening_InFormat1_3Or1_4(NiceWhitening kind, int couplings, int layout, int rank)
    {
        using var scope = NewDisposeScope();
        var (config, dq, batched) = Setup(kind, couplings, layout, rank: rank);
        using var flow = WhiteningTests.RandomWhitenedFlow(config, seed: 70 + layout);
        var bytes = layout == 0 ? NiceOnnx.ExportForward(flow, dq, batched) : NiceOnnx.ExportInverse(flow, dq, batched);
        var metadata = OnnxModelContents.Parse(bytes).Metadata;
        Assert.Equal(rank > 0 ? "1.4" : "1.3", metadata[NiceOnnxMetadata.FormatKey]);
        Assert.Contains($"\"Whitening\":\"{kind}\"", metadata[NiceOnnxMetadata.ConfigKey]);
        using var model = NiceOnnx.Read(bytes);
        Assert.Equal(flow.Config, model.Flow.Config);
        var (a, b) = (flow.Whitening!, model.Flow.Whitening!);
        Assert.True(a.Mean.eq(b.Mean).all().item<bool>() && a.Weight.eq(b.Weight).all().item<bool>(), "μ and W differ after the round trip");
        if (rank > 0)
            Assert.True(a.Basis!.eq(b.Basis!).all().item<bool>() && a.Gain!.eq(b.Gain!).all().item<bool>(), "V and g differ after the round trip");
        using var _ = no_grad();
        var x = randn(new long[] { 16, config.Dimension }, generator: new Generator(4));
        Assert.True(model.Flow.LogLikelihood(x).allclose(flow.LogLikelihood(x), rtol: 0, atol: 0), "the rebuilt flow's log-likelihood differs");
        Assert.True(model.Flow.Inverse(x).allclose(flow.Inverse(x), rtol: 0, atol: 0), "the rebuilt flow's inverse differs");
    }

    [Fact]
    public void Read_RefusesAFullWhiteningWeightThatIsNotLowerTriangular()
    {
        const int d = 4;
        using var flow = WhiteningTests.RandomWhitenedFlow(Setup(NiceWhitening.Full, 1, 1, d).Config, seed: 3);
        var w = Floats(flow.Whitening!.Weight);
        var bytes = NiceOnnx.ExportForward(flow, null, true);
        var pattern = w.SelectMany(BitConverter.GetBytes).ToArray();
        int at = IndexOf(bytes, pattern);
        Assert.True(at >= 0, "W's raw data should be in the file");
        Array.Copy(BitConverter.GetBytes(0.25f), 0, bytes, at + 4 * 1, 4);   // W[0, 1] := 0.25, above the diagonal
        var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(bytes));
        Assert.Contains("whitening", e.Message);
        Assert.Contains("lower triangular", e.Message);
    }

    [Fact]
    public void Read_RefusesALowRankWhiteningBasisThatIsNotOrthonormal()
    {
        const int d = 6;
        using var flow = WhiteningTests.RandomWhitenedFlow(Setup(NiceWhitening.Full, 1, 1, d, rank: 2).Config, seed: 3);
        var basis = Floats(flow.Whitening!.Basis!);
        var bytes = NiceOnnx.ExportForward(flow, null, true);
        int at = IndexOf(bytes, basis.SelectMany(BitConverter.GetBytes).ToArray());
        Assert.True(at >= 0, "V's raw data should be in the file");
        Array.Copy(BitConverter.GetBytes(basis[0] + 0.5f), 0, bytes, at, 4);   // V[0, 0] += 0.5
        var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(bytes));
        output.WriteLine(e.Message);
        Assert.Contains("whitening", e.Message);
        Assert.Contains("orthonormal", e.Message);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }

    [Theory]
    [InlineData(0, NiceCoupling.Additive)]
    [InlineData(2, NiceCoupling.Affine)]
    public void WhitenedModel_FromTheEstimator_RoundTripsThroughAnMlNetZip(int couplings, NiceCoupling coupling)
    {
        var ml = new MLContext(seed: 1);
        var digits = Fixtures.Digits(ml);
        var options = new NiceOptions
        {
            Couplings = couplings, Coupling = coupling, Whitening = NiceWhitening.Full, Prior = NicePrior.Gaussian,
            HiddenLayers = 1, HiddenWidth = 16, Epochs = 2, BatchSize = 64, Seed = 1,
        };
        using var model = ml.Transforms.Nice(options).Fit(digits);
        var history = model.TrainingSummary!.History;
        output.WriteLine(string.Join("\n", history));
        Assert.Equal(0, history[0].Epoch);
        Assert.Equal(couplings == 0 ? 1 : 3, history.Count);
        string path = Path.Combine(dir, "whitened.zip");
        ml.Model.Save(model, digits.Schema, path);

        var fitted = Fixtures.Column(model.Transform(digits), "LogLikelihood");
        var reloaded = Fixtures.Column(new MLContext().Model.Load(path, out _).Transform(digits), "LogLikelihood");
        double worst = 0;
        for (int i = 0; i < fitted.Length; i++)
            worst = Math.Max(worst, Math.Abs(fitted[i] - reloaded[i]) / Math.Max(1, Math.Abs(fitted[i])));
        output.WriteLine($"Model.Load (ONNX Runtime) vs the fitted model: max relative difference {worst:E2} over {fitted.Length} rows");
        Assert.True(worst <= 1e-5, $"ONNX Runtime and TorchSharp differ by up to {worst:E2} (relative)");

        using var nice = NiceTransformer.Load(ml, path);
        Assert.Equal(fitted, Fixtures.Column(nice.Transform(digits), "LogLikelihood"));
        Assert.Equal(model.Sample(4, 0.7, seed: 2), nice.Sample(4, 0.7, seed: 2));
    }

    [Fact]
    public void GaussianAnomalyDetector_SavesAndLoadsWithLoadNice_AndModelLoad()
    {
        var ml = new MLContext(seed: 1);
        var digits = Fixtures.Digits(ml);
        var options = new NiceAnomalyOptions
        {
            Nice = new NiceOptions { Couplings = 0, Whitening = NiceWhitening.Full, Prior = NicePrior.Gaussian },
        };
        var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(digits);
        double worst = Fixtures.AssertSavedDetectorScoresLikeFitted(ml, detector, digits,
            Path.Combine(dir, "gauss-detector.zip"));
        output.WriteLine($"Gaussian detector: Model.Load vs fitted max relative score difference {worst:E2}");
    }

    /// <summary>
    /// Rows of D = 4 (correlated), or of D = 1,024 with a spectrum that decays like i^(−1.5), as pretrained features'
    /// do: there the fit's 32 leading eigenpairs come from subspace iteration (<c>LeadingEigenpairs</c>; the layer's own
    /// test checks that it converges on such rows instead of falling back to the full eigendecomposition).
    /// </summary>
    private static IDataView Rows(MLContext ml, int d, int n)
    {
        if (d == 4) return Fixtures.Data(ml, Fixtures.Correlated(n, seed: 3));
        using var scope = torch.NewDisposeScope();
        var values = FlowTestData.DecayingSpectrumRows(n, d, 11).to(ScalarType.Float32).data<float>().ToArray();
        var rows = Enumerable.Range(0, n).Select(i => new VectorRow { Features = values.AsSpan(i * d, d).ToArray() });
        var definition = SchemaDefinition.Create(typeof(VectorRow));
        definition["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        return ml.Data.LoadFromEnumerable(rows.ToArray(), definition);
    }

    [Theory]
    [InlineData(4, 800, 2)]
    [InlineData(1024, 2000, 32)]
    public void GaussianAnomalyDetector_WithAWhiteningRank_ScoresTheProbabilisticPcaGaussian_AndReloads(int dimension,
        int count, int k)
    {
        var ml = new MLContext(seed: 1);
        var digits = Rows(ml, dimension, count);
        var options = new NiceAnomalyOptions
        {
            Nice = new NiceOptions
            {
                Couplings = 0, Whitening = NiceWhitening.Full, Prior = NicePrior.Gaussian, WhiteningRank = k,
                EnsembleMembers = 1, ValidationFraction = 0,   // every row fits the Gaussian, as in the reference below
            },
        };
        var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(digits);
        var rows = digits.GetColumn<float[]>("Features").ToArray();
        var scores = Fixtures.Column(detector.Transform(digits), "Score");

        // −log N(x; μ, Σ) with Σ = VₖΛₖVₖᵀ + σ²(I − VₖVₖᵀ), in float64 from the rows the detector trained on.
        using var scope = torch.NewDisposeScope();
        int n = rows.Length, d = rows[0].Length;
        var x = torch.tensor(rows.SelectMany(r => r).ToArray(), new long[] { n, d }).to(torch.ScalarType.Float64);
        var c = x - x.mean(new long[] { 0 });
        var (values, vectors) = torch.linalg.eigh(c.t().mm(c) / n);
        var v = values.data<double>().ToArray();
        double rest = v.Take(d - k).Average();
        var spectrum = v.Select((e, i) => i < d - k ? rest : e).ToArray();
        var z = c.mm(vectors) / torch.tensor(spectrum).sqrt();
        var expected = (0.5 * z.square().sum(1) + 0.5 * spectrum.Sum(Math.Log) + 0.5 * d * Math.Log(2 * Math.PI)).data<double>().ToArray();
        double worst = expected.Zip(scores, (a, b) => Math.Abs(a - b) / Math.Max(1, Math.Abs(a))).Max();
        output.WriteLine($"rank-{k} Gaussian detector, D = {d}, vs −log N(x; μ, Σ_PPCA) in float64: max relative difference {worst:E2} over {n} rows");
        Assert.True(worst <= 1e-3, $"scores differ from the PPCA Gaussian's −log p by up to {worst:E2} (relative)");

        string path = Path.Combine(dir, "ppca-detector.zip");
        ml.Model.Save(detector, digits.Schema, path);
        var ort = Fixtures.Column(new MLContext().Model.Load(path, out _).Transform(digits), "Score");
        double reload = scores.Zip(ort, (a, b) => Math.Abs(a - b) / Math.Max(1, Math.Abs(a))).Max();
        Assert.True(reload <= 1e-5, $"Model.Load scores differ by up to {reload:E2} (relative)");
    }
}
