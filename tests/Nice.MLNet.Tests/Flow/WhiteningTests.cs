using System;
using System.Collections.Generic;
using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>
/// The whitening layer keeps the layer contract (exact inverse, log-det = log|det J| by autograd, a density that
/// integrates to one), is fitted from the training rows as documented (mean, shrunk covariance, Ledoit–Wolf weight),
/// and with no couplings and a Gaussian prior the trained model is exactly the shrunk Gaussian.
/// </summary>
public class WhiteningTests
{
    private readonly ITestOutputHelper output;

    public WhiteningTests(ITestOutputHelper output) => this.output = output;

    /// <summary>Diagonal, full (triangular) and full low-rank (rank 3) whitening, with and without couplings.</summary>
    public static IEnumerable<object[]> Kinds()
    {
        foreach (var (kind, rank) in new[] { (NiceWhitening.Diagonal, 0), (NiceWhitening.Full, 0), (NiceWhitening.Full, 3) })
        foreach (var couplings in new[] { 0, 3 })
        foreach (var coupling in new[] { NiceCoupling.Additive, NiceCoupling.Affine })
            if (couplings > 0 || coupling == NiceCoupling.Additive)
                yield return new object[] { kind, couplings, coupling, rank };
    }

    private static FlowConfig Config(int d, NiceWhitening kind, int couplings, NiceCoupling coupling = NiceCoupling.Additive,
        NicePrior prior = NicePrior.Logistic, int rank = 0)
        => new(d, couplings, HiddenLayers: 2, HiddenWidth: 8, NiceActivation.LeakyReLU, NicePartition.Interleaved, prior,
            coupling, NiceMixing.None, ActNorm: false, Whitening: kind, WhiteningRank: rank > 0 ? rank : null);

    /// <summary>A random flow whose whitening is a random (non-identity) μ and W: lower triangular with a positive
    /// diagonal, a positive diagonal, or s I + V diag(g) Vᵀ with a random orthonormal V and s + g in [0.3, 1.8].</summary>
    internal static NiceFlow RandomWhitenedFlow(FlowConfig config, int seed, double scale = 0.4, ScalarType dtype = ScalarType.Float32)
    {
        var flow = TestUtil.RandomFlow(config, seed, scale, dtype);
        SetRandomWhitening(flow.Whitening!, seed);
        return flow;
    }

    internal static void SetRandomWhitening(Whitening whitening, int seed)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed + 1000);
        int d = whitening.Dimension;
        var mean = (randn(new long[] { d }, generator: g) * 3).data<float>().ToArray();
        if (whitening.BasisRank is int k and > 0)
        {
            var basis = linalg.qr(randn(new long[] { d, k }, dtype: ScalarType.Float64, generator: g)).Q.to(ScalarType.Float32);
            float s = 0.7f;
            var gain = rand(new long[] { k }, generator: g) * 1.5 + 0.3 - s;
            whitening.Set(new WhiteningParts(mean, new[] { s }, basis.contiguous().data<float>().ToArray(), gain.data<float>().ToArray()));
            return;
        }
        Tensor w = whitening.Kind == NiceWhitening.Full
            ? (randn(new long[] { d, d }, generator: g) * 0.5).tril(-1) + diag(rand(new long[] { d }, generator: g) * 1.5 + 0.3)
            : rand(new long[] { d }, generator: g) * 1.5 + 0.3;
        whitening.Set(mean, w.contiguous().data<float>().ToArray());
    }

    /// <summary>The Jacobian of <paramref name="f"/> at the single row <paramref name="x"/> [1, d], by autograd.</summary>
    private static Tensor Jacobian(Func<Tensor, Tensor> f, Tensor x, int d)
    {
        var input = x.detach().clone().requires_grad_(true);
        var y = f(input);
        return stack(Enumerable.Range(0, d)
            .Select(i => autograd.grad(new[] { y[0, i] }, new[] { input }, retain_graph: true)[0].reshape(d)).ToArray());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Inverse_OfForward_ReturnsInput_ForTheFlowAndTheWhitening(NiceWhitening kind, int couplings, NiceCoupling coupling, int rank)
    {
        using var scope = NewDisposeScope();
        const int d = 9;
        using var flow = RandomWhitenedFlow(Config(d, kind, couplings, coupling, rank: rank), seed: 11 + couplings);
        using var _ = no_grad();
        var x = randn(new long[] { 32, d }, generator: new Generator(10)) * 2;
        var (z, _) = flow.Forward(x);
        Assert.True((z - x).abs().max().item<float>() > 1e-2, "the flow should not be the identity");
        double err = (flow.Inverse(z) - x).abs().max().item<float>();
        Assert.True(err <= 1e-4, $"max |f^-1(f(x)) - x| = {err}");
        var w = flow.Whitening!;
        var y = w.Forward(x).Y;
        Assert.True((y - x).abs().max().item<float>() > 1e-2, "the whitening should not be the identity");
        double e = (w.Inverse(y) - x).abs().max().item<float>();
        Assert.True(e <= 1e-4, $"whitening: max |g^-1(g(x)) - x| = {e}");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void LogDet_MatchesAutogradJacobian_ForTheFlowAndEveryLayer(NiceWhitening kind, int couplings, NiceCoupling coupling, int rank)
    {
        using var scope = NewDisposeScope();
        const int d = 7;
        using var flow = RandomWhitenedFlow(Config(d, kind, couplings, coupling, rank: rank), seed: 21 + couplings, dtype: ScalarType.Float64);
        using var generator = new Generator(22);
        for (int trial = 0; trial < 2; trial++)
        {
            var x = randn(new long[] { 1, d }, dtype: ScalarType.Float64, generator: generator) * 2;
            var (_, logAbsDet) = linalg.slogdet(Jacobian(v => flow.Forward(v).Z, x, d));
            double expected = logAbsDet.item<double>(), actual = flow.Forward(x).LogDet[0].item<double>();
            Assert.True(Math.Abs(expected - actual) <= 1e-6, $"whole flow: log|det J| by autograd {expected}, by the flow {actual}");
            var h = x;
            foreach (var layer in flow.Layers)
            {
                var (_, lad) = linalg.slogdet(Jacobian(v => layer.Forward(v).Y, h, d));
                var (y, ld) = layer.Forward(h);
                Assert.True(Math.Abs(lad.item<double>() - ld[0].item<double>()) <= 1e-6,
                    $"{layer.GetName()}: log|det J| by autograd {lad.item<double>()}, by the layer {ld[0].item<double>()}");
                h = y.detach();
            }
        }
    }

    [Theory]
    [InlineData(NiceWhitening.Full, 0, NicePrior.Gaussian, 0)]
    [InlineData(NiceWhitening.Full, 3, NicePrior.Logistic, 0)]
    [InlineData(NiceWhitening.Diagonal, 2, NicePrior.Gaussian, 0)]
    [InlineData(NiceWhitening.Full, 2, NicePrior.Logistic, 1)]
    public void RandomWhitenedFlowDensity_IntegratesToOne(NiceWhitening kind, int couplings, NicePrior prior, int rank)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var flow = RandomWhitenedFlow(Config(2, kind, couplings, NiceCoupling.Affine, prior, rank), seed: 31, scale: 0.5);
        var draws = flow.Sample(100_000, 1.0, new Generator(32));
        var lo = draws.amin(new long[] { 0 }).data<float>().ToArray();
        var hi = draws.amax(new long[] { 0 }).data<float>().ToArray();
        double c0 = (lo[0] + hi[0]) / 2, c1 = (lo[1] + hi[1]) / 2;
        double r0 = 1.3 * (hi[0] - lo[0]) / 2, r1 = 1.3 * (hi[1] - lo[1]) / 2;
        const int n = 800;
        double h0 = 2 * r0 / n, h1 = 2 * r1 / n;
        var g0 = arange(n, dtype: ScalarType.Float64) * h0 + (c0 - r0 + h0 / 2);
        var g1 = arange(n, dtype: ScalarType.Float64) * h1 + (c1 - r1 + h1 / 2);
        double total = 0;
        foreach (var rows in g0.split(100))
        {
            using var inner = NewDisposeScope();
            var grid = stack(new[] { rows.repeat_interleave(n), g1.repeat(rows.shape[0]) }, 1).to(ScalarType.Float32);
            total += flow.LogLikelihood(grid).to(ScalarType.Float64).exp().sum().item<double>();
        }
        double integral = total * h0 * h1;
        output.WriteLine($"{kind} (rank {rank}), {couplings} couplings, {prior}: integral {integral:F5}");
        Assert.True(Math.Abs(integral - 1) <= 2e-3, $"the density integrates to {integral:F5}, not 1 within 0.2%");
    }

    /// <summary>Correlated rows with very different scales: x = A u + b, u standard normal.</summary>
    private static Tensor CorrelatedRows(int n, int d, int seed)
    {
        var g = new Generator((ulong)seed);
        var a = randn(new long[] { d, d }, generator: g, dtype: ScalarType.Float64) * tensor(Enumerable.Range(0, d).Select(i => Math.Pow(2, i % 5 - 2)).ToArray());
        var b = randn(new long[] { d }, generator: g, dtype: ScalarType.Float64) * 10;
        return randn(new long[] { n, d }, generator: g, dtype: ScalarType.Float64).mm(a.t()) + b;
    }

    private static IEnumerable<Tensor> Batches(Tensor x, int size)
    {
        for (long i = 0; i < x.shape[0]; i += size) yield return x.narrow(0, i, Math.Min(size, x.shape[0] - i)).to(ScalarType.Float32);
    }

    [Fact]
    public void FullFit_WithAFixedShrinkage_WhitensTheShrunkCovariance()
    {
        using var scope = NewDisposeScope();
        const int d = 6, n = 3000;
        var x = CorrelatedRows(n, d, 5).to(ScalarType.Float32).to(ScalarType.Float64);   // what the layer sees
        using var w = new Whitening(d, NiceWhitening.Full);
        w.FitFrom(() => Batches(x, 256), shrinkage: 0.2);
        var mean = x.mean(new long[] { 0 });
        var c = x - mean;
        var s = c.t().mm(c) / n;
        var sigma = s * 0.8 + eye(d, dtype: ScalarType.Float64) * (0.2 * s.trace().item<double>() / d);
        var weight = w.Weight.to(ScalarType.Float64);
        Assert.True((w.Mean.to(ScalarType.Float64) - mean).abs().max().item<double>() <= 1e-4, "μ is the training mean");
        Assert.True(weight.triu(1).abs().max().item<double>() == 0, "W is lower triangular");
        var white = weight.mm(sigma).mm(weight.t());
        double err = (white - eye(d, dtype: ScalarType.Float64)).abs().max().item<double>();
        Assert.True(err <= 1e-4, $"W Σ Wᵀ should be I: max deviation {err}");
        Assert.Equal(0.2, w.Shrinkage);
    }

    /// <summary>Σ with S's eigenvectors, its k leading eigenvalues kept and the others replaced by their mean.</summary>
    private static Tensor ProbabilisticPcaReference(Tensor rows, int k)
    {
        long n = rows.shape[0], d = rows.shape[1];
        var c = rows - rows.mean(new long[] { 0 });
        var (values, vectors) = linalg.eigh(c.t().mm(c) / n);
        var v = values.data<double>().ToArray();
        double rest = v.Take((int)d - k).Average();
        var spectrum = tensor(v.Select((x, i) => i < d - k ? rest : x).ToArray());
        return vectors.mm(diag(spectrum)).mm(vectors.t());
    }

    [Theory]
    [InlineData(6, 3000, 2)]
    [InlineData(40, 30, 5)]     // fewer rows than dimensions: S is singular, the rank-3 Σ is not (capped at n / 10)
    [InlineData(5, 500, 4)]     // the widest basis, D − 1
    [InlineData(60, 15, 5)]     // n ≤ D / 4: S's eigenpairs from the n × n matrix C Cᵀ / n
    [InlineData(80, 20, 30)]    // the same, with a basis wider than n: completed by orthonormal columns of gain 0
    public void FullFit_WithARank_WhitensTheProbabilisticPcaCovariance_WithTheLowRankForm(int d, int n, int rank)
    {
        using var scope = NewDisposeScope();
        using var w = AssertLowRankFitWhitensThePpcaCovariance(CorrelatedRows(n, d, 5), rank);
        Assert.Equal(0, w.EigenIterations);   // below LeadingEigenpairs.MinDimension: an exact eigendecomposition
    }

    /// <summary>
    /// Fits the low-rank form to <paramref name="rows"/> (as float32, what the layer sees) and asserts that W whitens
    /// the float64 probabilistic-PCA covariance of the same rows.
    /// </summary>
    private Whitening AssertLowRankFitWhitensThePpcaCovariance(Tensor rows, int rank)
    {
        var x = rows.to(ScalarType.Float32).to(ScalarType.Float64);
        int n = (int)x.shape[0], d = (int)x.shape[1];
        var w = new Whitening(d, NiceWhitening.Full, rank);
        w.FitFrom(() => Batches(x, 256), shrinkage: 0.5);   // the rank replaces the shrinkage
        int expected = Math.Min(Math.Min(rank, d - 1), n / 10);
        Assert.Equal(expected, Whitening.EffectiveRank(rank, d, n));
        var sigma = ProbabilisticPcaReference(x, expected);
        // W = s I + V diag(g) Vᵀ, stored as D·K values: the basis is orthonormal, the gains past the effective rank 0.
        var (basis, gain) = (w.Basis!.to(ScalarType.Float64), w.Gain!.to(ScalarType.Float64));
        Assert.Equal(new long[] { d, rank }, basis.shape);
        Assert.Equal(new long[] { 1 }, w.Weight.shape);
        Assert.True((basis.t().mm(basis) - eye(rank, dtype: ScalarType.Float64)).abs().max().item<double>() <= 1e-5, "VᵀV = I");
        Assert.True(gain.narrow(0, expected, rank - expected).abs().sum().item<double>() == 0, "no gain past the effective rank");
        var weight = eye(d, dtype: ScalarType.Float64) * w.Weight.to(ScalarType.Float64) + (basis * gain).mm(basis.t());
        double err = (weight.mm(sigma).mm(weight.t()) - eye(d, dtype: ScalarType.Float64)).abs().max().item<double>();
        output.WriteLine($"D = {d}, n = {n}, rank {rank}: max |W Σ Wᵀ − I| = {err:E2}; {w.EigenIterations} subspace-iteration steps");
        Assert.True(err <= 1e-3, $"W Σ_PPCA Wᵀ should be I: max deviation {err}");
        Assert.Equal(0, w.Shrinkage);
        Assert.Equal(expected, w.Rank);
        return w;
    }

    [Fact]
    public void LowRankFit_OfALargeDimension_FindsTheLeadingEigenpairsBySubspaceIteration()
    {
        // D = 1,024 with a spectrum that decays like i^(−1.5) (as pretrained features do): 32 leading eigenpairs of a
        // 1,024 × 1,024 covariance, by subspace iteration, give the same W as the float64 reference's eigh.
        using var scope = NewDisposeScope();
        const int d = 1024;
        using var w = AssertLowRankFitWhitensThePpcaCovariance(FlowTestData.DecayingSpectrumRows(3000, d, 11), 32);
        Assert.InRange(w.EigenIterations, 1, 2 * d / 48);
    }

    [Fact]
    public void LowRankFit_OfALargeDimension_WithoutAGapAfterTheKthEigenvalue_TakesTheExactEigendecomposition()
    {
        // Correlated rows of random mixing: a spectrum with no gap after the 32nd value, where subspace iteration does
        // not converge within 2D / b steps; the fit falls back to eigh and still whitens the PPCA covariance.
        using var scope = NewDisposeScope();
        using var w = AssertLowRankFitWhitensThePpcaCovariance(CorrelatedRows(3000, 1024, 7), 32);
        Assert.Equal(0, w.EigenIterations);
    }

    [Fact]
    public void WhiteningRank_IsCappedAtDMinusOne_AndNeedsFullWhitening()
    {
        Assert.Equal(4, new NiceOptions { Whitening = NiceWhitening.Full, WhiteningRank = 9 }.ToFlowConfig(5).WhiteningRank);
        Assert.Null(new NiceOptions { Whitening = NiceWhitening.Diagonal, WhiteningRank = 9 }.ToFlowConfig(5).WhiteningRank);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NiceOptions { Whitening = NiceWhitening.Full, WhiteningRank = 0 }.Validate());
        Assert.Contains("NiceOptions.WhiteningRank", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Whitening(5, NiceWhitening.Full, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Whitening(5, NiceWhitening.Diagonal, 2));
    }

    [Fact]
    public void FullFit_LedoitWolf_MatchesTheTextbookFormula_AndShrinksMoreWithFewerRows()
    {
        using var scope = NewDisposeScope();
        const int d = 20;
        double Reference(Tensor rows)
        {
            // sklearn.covariance.ledoit_wolf_shrinkage, written out: (1/(n p)) (Σₖ‖xₖ‖⁴/n − ‖S‖²) / (‖S − μI‖² / p).
            long n = rows.shape[0];
            var c = rows - rows.mean(new long[] { 0 });
            var s = c.t().mm(c) / n;
            double mu = s.trace().item<double>() / d;
            double x4 = c.square().sum(1).square().sum().item<double>();
            double beta = (x4 / n - s.square().sum().item<double>()) / (n * (double)d);
            double delta = (s - eye(d, dtype: ScalarType.Float64) * mu).square().sum().item<double>() / d;
            return Math.Min(beta, delta) / delta;
        }
        var few = CorrelatedRows(40, d, 7).to(ScalarType.Float32).to(ScalarType.Float64);
        var many = CorrelatedRows(4000, d, 7).to(ScalarType.Float32).to(ScalarType.Float64);
        using var a = new Whitening(d, NiceWhitening.Full);
        a.FitFrom(() => Batches(few, 16), null);
        using var b = new Whitening(d, NiceWhitening.Full);
        b.FitFrom(() => Batches(many, 500), null);
        output.WriteLine($"Ledoit–Wolf α: 40 rows {a.Shrinkage:F4} (reference {Reference(few):F4}), 4000 rows {b.Shrinkage:F5} (reference {Reference(many):F5})");
        Assert.True(Math.Abs(a.Shrinkage - Reference(few)) <= 1e-6, $"α on 40 rows: {a.Shrinkage} vs {Reference(few)}");
        Assert.True(Math.Abs(b.Shrinkage - Reference(many)) <= 1e-6, $"α on 4000 rows: {b.Shrinkage} vs {Reference(many)}");
        Assert.True(a.Shrinkage > 5 * b.Shrinkage, "fewer rows per dimension should shrink more");
    }

    [Fact]
    public void DiagonalFit_StandardizesEachFeature()
    {
        using var scope = NewDisposeScope();
        const int d = 5;
        var x = CorrelatedRows(2000, d, 3);
        using var w = new Whitening(d, NiceWhitening.Diagonal);
        w.FitFrom(() => Batches(x, 300), null);
        using var _ = no_grad();
        var y = w.Forward(x.to(ScalarType.Float32)).Y.to(ScalarType.Float64);
        Assert.True(y.mean(new long[] { 0 }).abs().max().item<double>() <= 1e-4, "zero mean");
        Assert.True((y.std(0, unbiased: false) - 1).abs().max().item<double>() <= 1e-4, "unit variance");
    }

    [Fact]
    public void Fit_RefusesConstantRows_AndSingularDataWithoutShrinkage()
    {
        using var scope = NewDisposeScope();
        var constant = ones(50, 4) * 3;
        using var w = new Whitening(4, NiceWhitening.Full);
        var e = Assert.Throws<InvalidOperationException>(() => w.FitFrom(() => Batches(constant, 10), null));
        Assert.Contains("no variance", e.Message);
        var rankOne = randn(new long[] { 50, 1 }, generator: new Generator(1)).repeat(1, 4);
        e = Assert.Throws<InvalidOperationException>(() => w.FitFrom(() => Batches(rankOne, 10), shrinkage: 0));
        Assert.Contains("not positive definite", e.Message);
        w.FitFrom(() => Batches(rankOne, 10), shrinkage: null);   // Ledoit–Wolf keeps it invertible
        Assert.True(w.Shrinkage > 0);
    }

    [Fact]
    public void Set_RefusesAWeightThatIsNotLowerTriangularWithAPositiveDiagonal()
    {
        using var w = new Whitening(3, NiceWhitening.Full);
        var mean = new float[3];
        Assert.Contains("lower triangular", Assert.Throws<ArgumentException>(() => w.Set(mean, new float[] { 1, 0.5f, 0, 0, 1, 0, 0, 0, 1 })).Message);
        Assert.Contains("diagonal must be > 0", Assert.Throws<ArgumentException>(() => w.Set(mean, new float[] { 1, 0, 0, 0, -1, 0, 0, 0, 1 })).Message);
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => w.Set(new[] { 0f, float.NaN, 0 }, new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 })).Message);
        Assert.Contains("9 weights", Assert.Throws<ArgumentException>(() => w.Set(mean, new float[] { 1, 1, 1 })).Message);
    }

    [Fact]
    public void Set_RefusesALowRankBasisThatIsNotOrthonormal_OrANonPositiveGain()
    {
        using var w = new Whitening(3, NiceWhitening.Full, 2);
        var mean = new float[3];
        var basis = new float[] { 1, 0, 0, 1, 0, 0 };   // columns e₀, e₁
        w.Set(new WhiteningParts(mean, new[] { 1f }, basis, new[] { 0.5f, -0.5f }));
        Assert.Contains("orthonormal", Assert.Throws<ArgumentException>(() => w.Set(new WhiteningParts(mean, new[] { 1f }, new float[] { 1, 1, 0, 1, 0, 0 }, new[] { 0f, 0f }))).Message);
        Assert.Contains("scale + gain > 0", Assert.Throws<ArgumentException>(() => w.Set(new WhiteningParts(mean, new[] { 1f }, basis, new[] { 0f, -1f }))).Message);
        Assert.Contains("scale must be finite and > 0", Assert.Throws<ArgumentException>(() => w.Set(new WhiteningParts(mean, new[] { 0f }, basis, new[] { 1f, 1f }))).Message);
        Assert.Contains("basis of 3 × 2", Assert.Throws<ArgumentException>(() => w.Set(new WhiteningParts(mean, new[] { 1f }))).Message);
    }

    [Fact]
    public void ZeroCouplings_NeedWhitening()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TestConfig.Nice(4, Couplings: 0).Validate("NiceOptions"));
        Assert.Contains("NiceOptions.Couplings", e.Message);
        Assert.Contains("Whitening", e.Message);
        Config(4, NiceWhitening.Diagonal, 0).Validate();
    }

    [Theory]
    [InlineData(NiceWhitening.Full)]
    [InlineData(NiceWhitening.Diagonal)]
    public void ZeroCouplings_GaussianPrior_TrainsToExactlyTheShrunkGaussian(NiceWhitening kind)
    {
        using var scope = NewDisposeScope();
        const int d = 8, n = 1200;
        var x = CorrelatedRows(n, d, 9).to(ScalarType.Float32);
        using var flow = new NiceFlow(Config(d, kind, 0, prior: NicePrior.Gaussian));
        var settings = TrainerSettings(validation: 0.2);
        var history = FlowTrainer.Train(flow, new ArrayRowSource(x.data<float>().ToArray(), d), settings);
        Assert.Single(history);
        Assert.Equal(0, history[0].Epoch);
        Assert.True(history[0].IsBest);

        // The same Gaussian, computed here from the training rows (those the split keeps) in float64.
        var rows = Enumerable.Range(0, n).Where(i => i == 0 || !Split.IsValidation(i, settings.Seed, 0.2)).Select(i => (long)i).ToArray();
        var train = x.index_select(0, tensor(rows)).to(ScalarType.Float64);
        var mean = train.mean(new long[] { 0 });
        var c = train - mean;
        var s = c.t().mm(c) / rows.Length;
        var sigma = kind == NiceWhitening.Full
            ? s * (1 - flow.Whitening!.Shrinkage) + eye(d, dtype: ScalarType.Float64) * (flow.Whitening!.Shrinkage * s.trace().item<double>() / d)
            : diag(s.diagonal());
        var test = randn(new long[] { 50, d }, generator: new Generator(3), dtype: ScalarType.Float64) * 4 + mean;
        var diff = test - mean;
        var maha = diff.mm(linalg.inv(sigma)).mul(diff).sum(1);
        var expected = maha * -0.5 - 0.5 * linalg.slogdet(sigma).Item2 - 0.5 * d * Math.Log(2 * Math.PI);
        using var _ = no_grad();
        var actual = flow.LogLikelihood(test.to(ScalarType.Float32)).to(ScalarType.Float64);
        double err = ((actual - expected).abs() / expected.abs().clamp_min(1)).max().item<double>();
        output.WriteLine($"{kind}: α = {flow.Whitening!.Shrinkage:F4}, max relative |log p − log N(μ, Σ)| = {err:E2}");
        Assert.True(err <= 1e-5, $"log p differs from the shrunk Gaussian by up to {err:E2} (relative)");
    }

    private static TrainingSettings TrainerSettings(double validation = 0.1, int epochs = 30, double lr = 1e-3) => new()
    {
        Epochs = epochs, BatchSize = 100, LearningRate = lr, Beta1 = 0.9, Beta2 = 0.99, AdamEpsilon = 1e-4,
        WeightDecay = 0, GradientClipNorm = 0, ValidationFraction = validation, EarlyStoppingPatience = 3,
        MaxTrainingTime = null, Seed = 4, CacheInMemory = true, ShufflePoolRows = 1000, Dequantization = null,
        DataDependentInit = true, Device = "cpu",
    };

    [Fact]
    public void WithCouplings_TheUntrainedFlowIsTheGaussian_AndTrainingKeepsEpoch0UnlessAnEpochBeatsIt()
    {
        using var scope = NewDisposeScope();
        const int d = 6, n = 2000;
        // Gaussian data: nothing for the couplings to learn beyond the whitening; the validation NLL decides.
        var x = CorrelatedRows(n, d, 13).to(ScalarType.Float32);
        var source = new ArrayRowSource(x.data<float>().ToArray(), d);
        using var gauss = new NiceFlow(Config(d, NiceWhitening.Full, 0, prior: NicePrior.Gaussian));
        FlowTrainer.Train(gauss, source, TrainerSettings());
        using var flow = GlobalRandom.Seeded(1, () => new NiceFlow(Config(d, NiceWhitening.Full, 2, NiceCoupling.Affine, NicePrior.Gaussian)));
        var reports = new List<EpochReport>();
        var history = FlowTrainer.Train(flow, source, TrainerSettings(epochs: 1, lr: 1e-12) with { Progress = reports.Add });
        Assert.Equal(new[] { 0, 1 }, history.Select(h => h.Epoch));
        Assert.Equal(history, reports);
        var test = randn(new long[] { 20, d }, generator: new Generator(2)) * 3;
        double untrained;
        using (no_grad()) untrained = (flow.LogLikelihood(test) - gauss.LogLikelihood(test)).abs().max().item<float>();
        Assert.True(untrained <= 1e-3, $"an (almost) untrained whitened flow should be the Gaussian: max |Δ log p| {untrained}");

        // A learning rate so large the first epoch is worse: the kept model is epoch 0, the Gaussian.
        using var wild = GlobalRandom.Seeded(1, () => new NiceFlow(Config(d, NiceWhitening.Full, 2, NiceCoupling.Affine, NicePrior.Gaussian)));
        var wildHistory = FlowTrainer.Train(wild, source, TrainerSettings(epochs: 1, lr: 0.5));
        output.WriteLine(string.Join("; ", wildHistory.Select(h => $"epoch {h.Epoch} valid {h.ValidNll:F4}{(h.IsBest ? " *" : "")}")));
        Assert.True(wildHistory.Skip(1).All(h => h.ValidNll > wildHistory[0].ValidNll), "lr 0.5 should make epoch 1 worse than the start");
        Assert.Equal(0, wildHistory.Last(h => h.IsBest).Epoch);
        double kept;
        using (no_grad()) kept = (wild.LogLikelihood(test) - gauss.LogLikelihood(test)).abs().max().item<float>();
        Assert.True(kept <= 1e-3, $"the kept model should be the Gaussian start: max |Δ log p| {kept}");
    }
}
