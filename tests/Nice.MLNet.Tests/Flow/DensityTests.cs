using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>One NICE model trained on the 2-D banana, shared by the density tests (training once keeps the suite short).</summary>
public sealed class TrainedBananaFixture : IDisposable
{
    internal FlowTestData.Banana Distribution { get; } = new();
    internal NiceFlow Flow { get; }
    public List<string> Log { get; } = new();

    public TrainedBananaFixture()
    {
        var clock = Stopwatch.StartNew();
        var train = Distribution.Sample(20_000, seed: 1);
        Flow = GlobalRandom.Seeded(1, () => new NiceFlow(TestConfig.Nice(2, Couplings: 4, HiddenLayers: 2, HiddenWidth: 64, Prior: NicePrior.Gaussian)));
        var source = new ArrayRowSource(train, 2);
        // Adam at the paper's settings, then a tenth of the learning rate to settle (a schedule of two calls).
        foreach (var (lr, epochs) in new[] { (1e-3, 12), (1e-4, 4) })
        {
            var settings = new NiceOptions().ToTrainingSettings() with
            {
                Epochs = epochs, LearningRate = lr, BatchSize = 200, Seed = 3, EarlyStoppingPatience = 4,
                Progress = r => Log.Add($"lr {lr:g2} {r}"),
            };
            FlowTrainer.Train(Flow, source, settings);
        }
        Log.Add($"training took {clock.Elapsed.TotalSeconds:F1} s");
    }

    public void Dispose() => Flow.Dispose();
}

/// <summary>A trained model's density is a density: it integrates to one, and its held-out NLL reaches the true entropy.</summary>
[Trait("Category", "Slow")]
public class DensityTests : IClassFixture<TrainedBananaFixture>
{
    private readonly TrainedBananaFixture trained;
    private readonly ITestOutputHelper output;

    public DensityTests(TrainedBananaFixture trained, ITestOutputHelper output)
    {
        this.trained = trained;
        this.output = output;
    }

    /// <summary>
    /// ∫ exp(log p(x)) dx over a box by the midpoint rule on a 0.02 grid. The box is justified by the model itself:
    /// 200,000 draws from the trained flow (by its inverse, independent of the density code) must fall inside it
    /// all but a fraction &lt; 1e-3, so the box holds essentially all of the model's mass; the data's own
    /// mass outside it is below 1e-9 (|x₁| &gt; 7 or x₂ &lt; −5 is a 7σ or 10σ event, x₂ &gt; 30 needs |x₁| &gt; 7.7).
    /// </summary>
    [Fact]
    public void TrainedModelDensity_IntegratesToOne_OnAGrid()
    {
        foreach (var line in trained.Log) output.WriteLine(line);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var flow = trained.Flow;
        flow.eval();
        const double x1Lo = -7, x1Hi = 7, x2Lo = -5, x2Hi = 30, h = 0.02;

        var draws = flow.Sample(200_000, 1.0, new Generator(17));
        var x1 = draws[.., 0];
        var x2 = draws[.., 1];
        var inside = (x1 >= x1Lo) & (x1 <= x1Hi) & (x2 >= x2Lo) & (x2 <= x2Hi);
        double outside = 1.0 - inside.to(ScalarType.Float64).mean().item<double>();
        output.WriteLine($"fraction of 200,000 model samples outside the box [{x1Lo}, {x1Hi}] x [{x2Lo}, {x2Hi}]: {outside:E2}");
        Assert.True(outside < 1e-3, $"the box should hold the model's mass, but {outside:E2} of its samples fall outside");

        int n1 = (int)Math.Round((x1Hi - x1Lo) / h), n2 = (int)Math.Round((x2Hi - x2Lo) / h);
        var g1 = arange(n1, dtype: ScalarType.Float64) * h + (x1Lo + h / 2);
        var g2 = arange(n2, dtype: ScalarType.Float64) * h + (x2Lo + h / 2);
        double total = 0;
        foreach (var rows in g1.split(50))
        {
            using var inner = NewDisposeScope();
            var grid = stack(new[] { rows.repeat_interleave(n2), g2.repeat(rows.shape[0]) }, 1).to(ScalarType.Float32);
            total += flow.LogLikelihood(grid).to(ScalarType.Float64).exp().sum().item<double>();
        }
        double integral = total * h * h;
        output.WriteLine($"integral of p over the box ({n1} x {n2} midpoints, h = {h}): {integral:F5}; expected 1 - {outside:E2}");
        Assert.True(Math.Abs(integral - 1) <= 0.01, $"the density integrates to {integral:F5} over the box, not 1 within 1%");
    }

    /// <summary>
    /// On 50,000 fresh rows the trained model's mean −log p must be within 0.05 nats of the true differential entropy
    /// H = ½log(2πe) + ½log(2πeσ²) (2.1447 nats). Its standard error is about 1/√50,000 ≈ 0.005 nats, so 0.05 is
    /// ten standard errors: a model that is off by more is wrong, not unlucky. Monte Carlo −E[log p_true] on the
    /// same rows checks the closed form (and that the held-out sample is typical).
    /// </summary>
    [Fact]
    public void TrainedModelNll_OnHeldOutData_IsWithinFiveHundredthsOfANatOfTheTrueEntropy()
    {
        foreach (var line in trained.Log) output.WriteLine(line);
        var banana = trained.Distribution;
        var test = banana.Sample(50_000, seed: 999);
        var (trueNll, trueSe) = FlowTestData.MeanAndError(banana.LogDensity(test).Select(v => -v).ToArray());
        var (modelNll, modelSe) = FlowTestData.MeanAndError(FlowTestData.NegativeLogLikelihood(trained.Flow, test, 2));
        output.WriteLine($"true entropy (closed form): {banana.Entropy:F4} nats");
        output.WriteLine($"true entropy (Monte Carlo on the 50,000 test rows): {trueNll:F4} +- {trueSe:F4}");
        output.WriteLine($"model NLL on the test rows: {modelNll:F4} +- {modelSe:F4}; gap to the entropy {modelNll - banana.Entropy:+0.0000;-0.0000}");
        Assert.True(Math.Abs(trueNll - banana.Entropy) < 4 * trueSe, "the Monte Carlo entropy disagrees with the closed form");
        Assert.True(Math.Abs(modelNll - banana.Entropy) <= 0.05, $"model NLL {modelNll:F4} is not within 0.05 nats of the entropy {banana.Entropy:F4}");
    }
}
