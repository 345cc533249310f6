using System;
using System.Collections.Generic;
using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>
/// The shared flow properties for NICE's successors, for every combination the config offers (coupling × mixing × actnorm ×
/// partition, odd D): exact inverse, log-det = log|det J| by autograd (whole flow and every single layer), a gradient for
/// every parameter, sampling, initialization, and the default staying the paper's NICE.
/// </summary>
public class FlowVariantPropertyTests
{
    public static IEnumerable<object[]> Variants()
    {
        foreach (var coupling in new[] { NiceCoupling.Additive, NiceCoupling.Affine })
        foreach (var mixing in new[] { NiceMixing.None, NiceMixing.Permutation, NiceMixing.LU })
        foreach (var actNorm in new[] { false, true })
        foreach (var partition in new[] { NicePartition.Interleaved, NicePartition.Contiguous })
            yield return new object[] { coupling, mixing, actNorm, partition };
    }

    /// <summary>The contiguous-partition variants also carry the input normalization at the bottom.</summary>
    private static FlowConfig Config(NiceCoupling coupling, NiceMixing mixing, bool actNorm, NicePartition partition, int d)
        => new(d, Couplings: 3, HiddenLayers: 2, HiddenWidth: 8, NiceActivation.LeakyReLU, partition, NicePrior.Logistic, coupling, mixing, actNorm,
            InputNorm: partition == NicePartition.Contiguous);

    /// <summary>LU layers start with sign = +1; give them mixed signs (and another P) so the tests see the sign's role.</summary>
    internal static void MixSigns(NiceFlow flow)
    {
        foreach (var lu in flow.Layers.OfType<LuMixing>())
        {
            var perm = lu.Permutation.Reverse().ToArray();
            lu.SetFixed(perm, Enumerable.Range(0, perm.Length).Select(i => i % 3 == 1 ? -1f : 1f).ToArray());
        }
    }

    private static int Seed(NiceCoupling c, NiceMixing m, bool a, NicePartition p) => 100 + 13 * (int)c + 5 * (int)m + 3 * (a ? 1 : 0) + (int)p;

    /// <summary>The Jacobian of <paramref name="f"/> at the single row <paramref name="x"/> [1, d], by autograd, one output at a time.</summary>
    private static Tensor Jacobian(Func<Tensor, Tensor> f, Tensor x, int d)
    {
        var input = x.detach().clone().requires_grad_(true);
        var y = f(input);
        var rows = Enumerable.Range(0, d)
            .Select(i => autograd.grad(new[] { y[0, i] }, new[] { input }, retain_graph: true)[0].reshape(d))
            .ToArray();
        return stack(rows);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void LogDet_MatchesAutogradJacobian_ForTheFlowAndEveryLayer(NiceCoupling coupling, NiceMixing mixing, bool actNorm, NicePartition partition)
    {
        using var scope = NewDisposeScope();
        const int d = 7;
        using var flow = TestUtil.RandomFlow(Config(coupling, mixing, actNorm, partition, d), Seed(coupling, mixing, actNorm, partition), scale: 0.5, dtype: ScalarType.Float64);
        MixSigns(flow);
        using var generator = new Generator((ulong)Seed(coupling, mixing, actNorm, partition));
        for (int trial = 0; trial < 2; trial++)
        {
            var x = randn(new long[] { 1, d }, dtype: ScalarType.Float64, generator: generator) * 2;
            var (sign, logAbsDet) = linalg.slogdet(Jacobian(v => flow.Forward(v).Z, x, d));
            Assert.NotEqual(0.0, sign.item<double>());
            double expected = logAbsDet.item<double>(), actual = flow.Forward(x).LogDet[0].item<double>();
            Assert.True(Math.Abs(expected - actual) <= 1e-4, $"whole flow: log|det J| by autograd {expected}, by the flow {actual}");

            var h = x;
            foreach (var layer in flow.Layers)
            {
                var (ls, lad) = linalg.slogdet(Jacobian(v => layer.Forward(v).Y, h, d));
                Assert.NotEqual(0.0, ls.item<double>());
                var (y, ld) = layer.Forward(h);
                Assert.True(Math.Abs(lad.item<double>() - ld[0].item<double>()) <= 1e-4,
                    $"{layer.GetName()}: log|det J| by autograd {lad.item<double>()}, by the layer {ld[0].item<double>()}");
                h = y.detach();
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Inverse_OfForward_ReturnsInput_ForTheFlowAndEveryLayer(NiceCoupling coupling, NiceMixing mixing, bool actNorm, NicePartition partition)
    {
        using var scope = NewDisposeScope();
        const int d = 9;
        using var flow = TestUtil.RandomFlow(Config(coupling, mixing, actNorm, partition, d), Seed(coupling, mixing, actNorm, partition), scale: 0.4);
        MixSigns(flow);
        using var _ = no_grad();
        var x = randn(new long[] { 32, d }, generator: new Generator(10)) * 2;
        var (z, _) = flow.Forward(x);
        Assert.True((z - x).abs().max().item<float>() > 1e-2, "the random flow should not be the identity");
        double err = (flow.Inverse(z) - x).abs().max().item<float>();
        Assert.True(err <= 1e-4, $"max |f^-1(f(x)) - x| = {err}");
        var h = x;
        foreach (var layer in flow.Layers)
        {
            var (y, _) = layer.Forward(h);
            double e = (layer.Inverse(y) - h).abs().max().item<float>();
            Assert.True(e <= 1e-4, $"{layer.GetName()}: max |g^-1(g(h)) - h| = {e}");
            h = y;
        }
    }

    [Theory]
    [InlineData(NiceCoupling.Affine, NiceMixing.LU, true)]
    [InlineData(NiceCoupling.Affine, NiceMixing.Permutation, false)]
    [InlineData(NiceCoupling.Additive, NiceMixing.LU, false)]
    public void Inverse_OfForward_ReturnsInput_On784Dimensions(NiceCoupling coupling, NiceMixing mixing, bool actNorm)
    {
        using var scope = NewDisposeScope();
        const int d = 784;
        using var flow = GlobalRandom.Seeded(7, () => new NiceFlow(TestConfig.Nice(d, 4, 2, 64, Coupling: coupling, Mixing: mixing, ActNorm: actNorm)));
        using var generator = new Generator(8);
        using (no_grad())
            foreach (var p in flow.parameters()) p.add_(randn(p.shape, generator: generator) * 0.02);   // the initialization, perturbed: every layer moves
        MixSigns(flow);
        flow.eval();
        var x = rand(new long[] { 64, d }, generator: generator);
        using var _ = no_grad();
        var (z, _) = flow.Forward(x);
        Assert.True((z - x).abs().max().item<float>() > 1e-2, "the flow should not be the identity");
        double err = (flow.Inverse(z) - x).abs().max().item<float>();
        Assert.True(err <= 1e-4, $"max |f^-1(f(x)) - x| = {err}");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void EveryParameter_GetsAGradient(NiceCoupling coupling, NiceMixing mixing, bool actNorm, NicePartition partition)
    {
        using var scope = NewDisposeScope();
        using var flow = TestUtil.RandomFlow(Config(coupling, mixing, actNorm, partition, 6), seed: 5, scale: 0.3);
        flow.train();
        var loss = -flow.LogLikelihood(randn(new long[] { 16, 6 }, generator: new Generator(6))).mean();
        loss.backward();
        foreach (var (name, p) in flow.named_parameters())
        {
            Assert.NotNull(p.grad);
            Assert.True(p.grad!.abs().sum().item<float>() > 0, $"parameter {name} got a zero gradient");
        }
    }

    [Theory]
    [InlineData(NiceCoupling.Affine, NiceMixing.LU, true, NicePrior.Logistic)]
    [InlineData(NiceCoupling.Affine, NiceMixing.Permutation, false, NicePrior.Gaussian)]
    [InlineData(NiceCoupling.Additive, NiceMixing.LU, true, NicePrior.Gaussian)]
    public void Sample_ThenForward_RecoversTheDrawnLatents(NiceCoupling coupling, NiceMixing mixing, bool actNorm, NicePrior prior)
    {
        using var scope = NewDisposeScope();
        const int d = 5;
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(d, 3, 2, 8, NiceActivation.ReLU, NicePartition.Interleaved, prior, coupling, mixing, actNorm), seed: 9, scale: 0.3);
        using var _ = no_grad();
        var x = flow.Sample(200, 0.8, new Generator(17));
        var drawn = Prior.Sample(prior, 200, d, 0.8, new Generator(17));
        Assert.True(torch.isfinite(x).all().item<bool>(), "samples must be finite");
        Assert.True((x - drawn).abs().max().item<float>() > 1e-2, "the flow should move its latents");
        double err = (flow.Forward(x).Z - drawn).abs().max().item<float>();
        Assert.True(err <= 1e-4, $"max |f(f^-1(h)) - h| = {err}");
    }

    [Fact]
    public void DefaultConfig_IsExactlyNice()
    {
        using var flow = GlobalRandom.Seeded(0, () => new NiceFlow(TestConfig.Nice(6, 4, 2, 8)));
        Assert.True(flow.Config.IsPlainNice);
        Assert.Equal(4, flow.Steps.Count);
        Assert.All(flow.Steps, l => Assert.IsType<AdditiveCoupling>(l));
        Assert.Equal(flow.Steps, flow.Couplings);
        var names = flow.named_parameters().Select(p => p.name).ToList();
        Assert.Contains("layers.0.m.layers.linear0.weight", names);
        Assert.Contains("layers.3.m.layers.output.bias", names);
        Assert.Contains("scaling.s", names);
        Assert.Equal(4 * 6 + 1, names.Count);
        Assert.All(flow.named_buffers(), b => Assert.Matches(@"^layers\.\d\.(first|second|unpermute)$", b.name));
    }

    [Fact]
    public void Layers_ComeInGlowsOrder_ActNormMixingCoupling()
    {
        using var flow = GlobalRandom.Seeded(0, () => new NiceFlow(TestConfig.Nice(6, 3, 1, 8, Coupling: NiceCoupling.Affine, Mixing: NiceMixing.LU, ActNorm: true)));
        var kinds = flow.Layers.Select(l => l.GetType().Name).ToArray();
        Assert.Equal(new[]
        {
            "ActNorm", "AffineCoupling",
            "ActNorm", "LuMixing", "AffineCoupling",
            "ActNorm", "LuMixing", "AffineCoupling",
            "DiagonalScaling",
        }, kinds);
        Assert.Equal(3, flow.Couplings.Count);
    }

    [Theory]
    [InlineData(NiceCoupling.Affine, NiceMixing.None, true)]
    [InlineData(NiceCoupling.Affine, NiceMixing.LU, false)]
    [InlineData(NiceCoupling.Additive, NiceMixing.Permutation, true)]
    public void FreshFlow_CouplingsAndActNormStartAsIdentity_AndLuStartsAsAPermutation(NiceCoupling coupling, NiceMixing mixing, bool actNorm)
    {
        using var scope = NewDisposeScope();
        const int d = 7;
        using var flow = GlobalRandom.Seeded(3, () => new NiceFlow(TestConfig.Nice(d, 3, 2, 8, Coupling: coupling, Mixing: mixing, ActNorm: actNorm, InputNorm: actNorm)));
        using var _ = no_grad();
        var x = randn(new long[] { 10, d }, generator: new Generator(3));
        foreach (var layer in flow.Layers)
        {
            var (y, ld) = layer.Forward(x);
            Assert.True(ld.abs().max().item<float>() <= 1e-5, $"{layer.GetName()} should start volume preserving");
            switch (layer)
            {
                case ICoupling or ActNorm or InputNorm:
                    Assert.True((y - x).abs().max().item<float>() == 0, $"{layer.GetName()} should start as the identity");
                    break;
                case LuMixing lu:
                    var w = lu.Weight();
                    var p = eye(d).index_select(0, tensor(lu.Permutation));
                    Assert.True((w - p).abs().max().item<float>() == 0, $"LU mixing should start as its permutation P: {w.ToString(TorchSharp.TensorStringStyle.Julia)}");
                    Assert.True((w - eye(d)).abs().max().item<float>() > 0.1, "the permutation should mix");
                    break;
                case PermutationMixing pm:
                    Assert.Equal(Enumerable.Range(0, d).Select(i => (long)i), pm.Permutation.OrderBy(v => v));
                    Assert.NotEqual(Enumerable.Range(0, d).Select(i => (long)i), pm.Permutation);
                    break;
            }
        }
    }

    [Fact]
    public void Permutations_AreSeeded_TheSameForTheSameConfig()
    {
        // Different seeds for the weights: the permutations must not depend on TorchSharp's generator.
        using var a = GlobalRandom.Seeded(1, () => new NiceFlow(TestConfig.Nice(9, 3, 1, 4, Mixing: NiceMixing.Permutation)));
        using var b = GlobalRandom.Seeded(2, () => new NiceFlow(TestConfig.Nice(9, 3, 1, 4, Mixing: NiceMixing.Permutation)));
        var pa = a.Layers.OfType<PermutationMixing>().Select(p => p.Permutation).ToList();
        var pb = b.Layers.OfType<PermutationMixing>().Select(p => p.Permutation).ToList();
        Assert.Equal(2, pa.Count);
        Assert.Equal(pa, pb);
        Assert.NotEqual(pa[0], pa[1]);
    }

    [Theory]
    [InlineData(NiceCoupling.Affine, NiceMixing.LU, true)]
    [InlineData(NiceCoupling.Affine, NiceMixing.None, false)]
    [InlineData(NiceCoupling.Additive, NiceMixing.Permutation, true)]
    public void DataInit_StandardizesActNormOutputs_AndMapsTheDataToThePriorScale(NiceCoupling coupling, NiceMixing mixing, bool actNorm)
    {
        using var scope = NewDisposeScope();
        const int d = 6;
        using var flow = GlobalRandom.Seeded(4, () => new NiceFlow(TestConfig.Nice(d, 3, 2, 8, Coupling: coupling, Mixing: mixing, ActNorm: actNorm)));
        var x = randn(new long[] { 2000, d }, generator: new Generator(4)) * tensor(new float[] { 3, 0.2f, 10, 1, 0.05f, 5 }) + tensor(new float[] { 100, -4, 7, 0, 1, 50 });
        DataInit.Apply(flow, x);
        using var _ = no_grad();
        if (actNorm)
        {
            var first = (ActNorm)flow.Layers.First();
            var y = first.Forward(x).Y;
            Assert.True(y.mean(new long[] { 0 }).abs().max().item<float>() <= 1e-3, "actnorm output mean");
            Assert.True((y.std(0) - 1).abs().max().item<float>() <= 1e-3, "actnorm output std");
        }
        var (z, _) = flow.Forward(x);
        Assert.True(z.mean(new long[] { 0 }).abs().max().item<float>() <= 1e-2, "latent mean should start at 0");
        Assert.True((z.std(0) / Prior.StandardDeviation(NicePrior.Logistic) - 1).abs().max().item<float>() <= 1e-3, "latent std should start at the prior's");
    }
}
