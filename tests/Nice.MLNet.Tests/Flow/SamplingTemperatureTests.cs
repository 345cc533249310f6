using System;
using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>Temperature t multiplies the latent standard deviation by t, in the prior's sampler and through the flow.</summary>
public class SamplingTemperatureTests
{
    private readonly ITestOutputHelper output;

    public SamplingTemperatureTests(ITestOutputHelper output) => this.output = output;

    // 400,000 draws per coordinate: the sample standard deviation's relative standard error is
    // √((κ−1)/(4n)) ≈ 0.11% (Gaussian, kurtosis κ = 3) or 0.14% (logistic, κ = 4.2), so 1% is over 7 standard errors.
    private const int Rows = 400_000;
    private const int D = 4;
    private const double Tolerance = 0.01;

    [Theory]
    [InlineData(NicePrior.Gaussian, 0.5)]
    [InlineData(NicePrior.Gaussian, 1.0)]
    [InlineData(NicePrior.Gaussian, 1.7)]
    [InlineData(NicePrior.Logistic, 0.5)]
    [InlineData(NicePrior.Logistic, 1.0)]
    [InlineData(NicePrior.Logistic, 1.7)]
    public void PriorSample_WithTemperature_ScalesTheStandardDeviationByIt(NicePrior prior, double t)
    {
        using var scope = NewDisposeScope();
        var z = Prior.Sample(prior, Rows, D, t, new Generator(21));
        double expected = t * Prior.StandardDeviation(prior);
        var std = z.to(ScalarType.Float64).std(0);
        double worst = (std / expected - 1).abs().max().item<double>();
        double meanAbs = z.to(ScalarType.Float64).mean(new long[] { 0 }).abs().max().item<double>();
        output.WriteLine($"{prior} t={t}: per-coordinate std {string.Join(", ", std.data<double>().ToArray().Select(v => v.ToString("F4")))}, expected {expected:F4}");
        Assert.True(worst <= Tolerance, $"{prior}, t = {t}: a coordinate's std is off by {worst:P2} from {expected:F4}");
        Assert.True(meanAbs <= 5 * expected / Math.Sqrt(Rows), $"{prior}, t = {t}: the latent mean {meanAbs} is not 0");
    }

    [Theory]
    [InlineData(NicePrior.Gaussian, 0.6)]
    [InlineData(NicePrior.Logistic, 1.5)]
    public void FlowSample_MapsBackThroughForward_ToLatentsWithTheTemperedStd(NicePrior prior, double t)
    {
        using var scope = NewDisposeScope();
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(D, 4, 2, 16, Prior: prior), seed: 4, scale: 0.3);
        using var _ = no_grad();
        var x = flow.Sample(Rows, t, new Generator(33));
        var (z, _) = flow.Forward(x);
        // The very latents the sampler drew (same generator seed), recovered by the forward pass.
        var drawn = Prior.Sample(prior, Rows, D, t, new Generator(33));
        double roundTrip = (z - drawn).abs().max().item<float>();
        double moved = (x - drawn).abs().max().item<float>();
        var std = z.to(ScalarType.Float64).std(0);
        double expected = t * Prior.StandardDeviation(prior);
        double worst = (std / expected - 1).abs().max().item<double>();
        output.WriteLine($"{prior} t={t}: std of f(sample) {string.Join(", ", std.data<double>().ToArray().Select(v => v.ToString("F4")))}, expected {expected:F4}; max |f(sample) - drawn z| = {roundTrip:E2}; max |x - z| = {moved:F2}");
        Assert.True(moved > 0.1, "the random flow should move the samples");
        Assert.True(roundTrip <= 1e-3 * (1 + drawn.abs().max().item<float>()), $"Forward(Sample) should return the drawn latents, max error {roundTrip}");
        Assert.True(worst <= Tolerance, $"{prior}, t = {t}: std of the latents is off by {worst:P2} from {expected:F4}");
    }

    [Fact]
    public void FlowSample_AtTemperatureZero_IsTheImageOfTheOrigin()
    {
        using var scope = NewDisposeScope();
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(D, 4, 2, 16), seed: 5, scale: 0.3);
        using var _ = no_grad();
        var x = flow.Sample(10, 0.0, new Generator(1));
        var origin = flow.Inverse(zeros(1, D));
        Assert.True((x - origin).abs().max().item<float>() <= 1e-6);
    }
}
