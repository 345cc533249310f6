using System;
using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>
/// Every prior and layer kind gives a density that integrates to one: random (non-identity) D = 2 flows with the logistic
/// prior, affine couplings, LU mixing and actnorm, integrated by the midpoint rule on a grid. A missing or wrong term of
/// log p(x) (a layer's log-determinant, the prior's normalizing constant) scales the integral away from 1.
/// </summary>
public class DensityVariantTests
{
    private readonly ITestOutputHelper output;

    public DensityVariantTests(ITestOutputHelper output) => this.output = output;

    [Theory]
    [InlineData(NicePrior.Logistic, NiceCoupling.Additive, NiceMixing.None, false)]
    [InlineData(NicePrior.Gaussian, NiceCoupling.Affine, NiceMixing.None, false)]
    [InlineData(NicePrior.Logistic, NiceCoupling.Affine, NiceMixing.None, false)]
    [InlineData(NicePrior.Gaussian, NiceCoupling.Additive, NiceMixing.LU, false)]
    [InlineData(NicePrior.Gaussian, NiceCoupling.Additive, NiceMixing.None, true)]
    [InlineData(NicePrior.Logistic, NiceCoupling.Affine, NiceMixing.LU, true)]
    public void RandomFlowDensity_IntegratesToOne(NicePrior prior, NiceCoupling coupling, NiceMixing mixing, bool actNorm)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var config = TestConfig.Nice(2, Couplings: 3, HiddenLayers: 1, HiddenWidth: 8, NiceActivation.LeakyReLU,
            NicePartition.Interleaved, prior, coupling, mixing, actNorm);
        using var flow = TestUtil.RandomFlow(config, seed: 31, scale: 0.5);
        FlowVariantPropertyTests.MixSigns(flow);

        // The box: ±1.3 × the largest |coordinate| of 100,000 draws from the flow (by its inverse, independent of the
        // density code); the mass outside it is then far below the tolerance (checked: no draw falls outside).
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
        output.WriteLine($"box [{c0 - r0:F2}, {c0 + r0:F2}] x [{c1 - r1:F2}, {c1 + r1:F2}], {n} x {n} midpoints: integral {integral:F5}");
        Assert.True(Math.Abs(integral - 1) <= 2e-3, $"the density integrates to {integral:F5}, not 1 within 0.2%");
    }
}
