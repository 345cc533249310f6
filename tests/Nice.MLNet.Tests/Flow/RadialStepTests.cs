using System;
using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>The radial step keeps the layer contract: the identity at its start, an exact inverse, and a log-det equal to
/// log|det J| by autograd; its χ constants match their closed forms.</summary>
public class RadialStepTests
{
    private const int D = 7, R = 3;

    private static RadialStep NewStep(bool random, int seed = 5)
        => GlobalRandom.Seeded(seed, () =>
        {
            var step = new RadialStep(D, R, couplings: 3, hiddenLayers: 2, width: 8, NiceActivation.LeakyReLU);
            step.to(ScalarType.Float64);
            using var _ = no_grad();
            var g = new Generator((ulong)seed);
            step.SetBasis(linalg.qr(randn(new long[] { D, R }, dtype: ScalarType.Float64, generator: g)).Q);
            if (random)
            {
                foreach (var p in step.parameters()) p.copy_(randn_like(p) * 0.3);
                step.SetRadiusScale(0.4, 0.7);
            }
            step.eval();
            return step;
        });

    private static Tensor Rows(int n, int seed)
        => randn(new long[] { n, D }, dtype: ScalarType.Float64, generator: new Generator((ulong)seed)) * 1.5;

    [Fact]
    public void AtItsStart_TheStepIsTheIdentity()
    {
        using var scope = NewDisposeScope();
        using var step = NewStep(random: false);
        using var _ = no_grad();
        var u = Rows(16, 1);
        var (y, logDet) = step.Forward(u);
        Assert.True((y - u).abs().max().item<double>() < 1e-12, "y should equal u");
        Assert.True(logDet.abs().max().item<double>() < 1e-12, "log|det| should be 0");
    }

    [Fact]
    public void Inverse_OfForward_ReturnsTheInput()
    {
        using var scope = NewDisposeScope();
        using var step = NewStep(random: true);
        using var _ = no_grad();
        var u = Rows(32, 2);
        var (y, _) = step.Forward(u);
        Assert.True((y - u).abs().max().item<double>() > 1e-2, "the step should not be the identity");
        double error = (step.Inverse(y) - u).abs().max().item<double>();
        Assert.True(error < 1e-10, $"max |g⁻¹(g(u)) − u| = {error}");
    }

    [Fact]
    public void LogDet_IsLogAbsDetOfTheJacobian()
    {
        using var scope = NewDisposeScope();
        using var step = NewStep(random: true);
        for (int row = 0; row < 4; row++)
        {
            var u = Rows(1, 10 + row).requires_grad_(true);
            var (y, logDet) = step.Forward(u);
            var jacobian = stack(Enumerable.Range(0, D)
                .Select(i => autograd.grad(new[] { y[0, i] }, new[] { u }, retain_graph: true)[0].reshape(D)).ToArray());
            double expected = linalg.slogdet(jacobian).Item2.item<double>();
            Assert.Equal(expected, logDet[0].item<double>(), 8);
        }
    }

    [Fact]
    public void LogChi_MatchesItsClosedFormAndTheLargeMLimit()
    {
        // m = 2: ρ² ~ Exp(mean 2), E[log ρ] = (ψ(1) + log 2)/2 = (log 2 − γ)/2, Var[log ρ] = ψ′(1)/4 = π²/24.
        var (mean2, sd2) = RadialStep.LogChi(2);
        Assert.Equal((Math.Log(2) - 0.5772156649015329) / 2, mean2, 10);
        Assert.Equal(Math.Sqrt(Math.PI * Math.PI / 24), sd2, 10);
        // m = 3: ψ(3/2) = 2 − γ − 2 log 2, ψ′(3/2) = π²/2 − 4.
        var (mean3, sd3) = RadialStep.LogChi(3);
        Assert.Equal((2 - 0.5772156649015329 - 2 * Math.Log(2) + Math.Log(2)) / 2, mean3, 10);
        Assert.Equal(0.5 * Math.Sqrt(Math.PI * Math.PI / 2 - 4), sd3, 10);
        // Large m: E[log ρ] = ½ log m − 1/(2m) + O(1/m²), sd = 1/√(2m) + O(m^(−3/2)).
        var (mean, sd) = RadialStep.LogChi(6400);
        Assert.Equal(0.5 * Math.Log(6400) - 1.0 / (2 * 6400), mean, 7);
        Assert.Equal(1 / Math.Sqrt(2 * 6400), sd, 5);
    }
}
