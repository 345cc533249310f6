using System;
using System.Collections.Generic;
using System.Linq;
using Nice.MLNet.Cli.Datasets;
using Nice.MLNet.Flow;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>On real data (the UCI 8x8 digits) training must help, and the flow must beat the obvious baseline.</summary>
[Trait("Category", "Slow")]
public class DigitsTrainingTests
{
    private readonly ITestOutputHelper output;

    public DigitsTrainingTests(ITestOutputHelper output) => this.output = output;

    /// <summary>
    /// 20% of the digits are held out (a fixed hash split); the flow trains on the rest (its trainer holds out another
    /// 10% for early stopping). Both models are densities on [0,1]^64 of the same dequantized pixels x = (k + u)/17:
    /// the diagonal Gaussian is fitted by maximum likelihood to the dequantized training rows, and both are scored on
    /// the same dequantized held-out rows, in nats per image.
    /// </summary>
    [Fact]
    public void Training_LowersValidationNll_AndBeatsADiagonalGaussian_OnHeldOutDigits()
    {
        using var scope = NewDisposeScope();
        var (pixels, _) = Digits.Load();
        const int d = Digits.Dimension;
        int n = pixels.Length / d;
        var trainRows = new List<float>();
        var testRows = new List<float>();
        for (int i = 0; i < n; i++)
            (Split.IsValidation(i, seed: 2024, fraction: 0.2) ? testRows : trainRows).AddRange(pixels.AsSpan(i * d, d).ToArray());
        var dq = new Dequantization(Digits.Levels, 1.0, 0.0);
        var rawTrain = tensor(trainRows.ToArray(), new long[] { trainRows.Count / d, d });
        var rawTest = tensor(testRows.ToArray(), new long[] { testRows.Count / d, d });
        var xTrain = dq.ToFlow(rawTrain, noise: true, new Generator(5));
        var xTest = dq.ToFlow(rawTest, noise: true, new Generator(6));
        output.WriteLine($"{xTrain.shape[0]} training rows, {xTest.shape[0]} held-out rows, D = {d}, dequantized with L = {dq.Levels}");

        // The baseline: a diagonal Gaussian, maximum likelihood on the dequantized training rows.
        var mean = xTrain.mean(new long[] { 0 });
        var variance = (xTrain - mean).square().mean(new long[] { 0 });
        double gaussianNll = (0.5 * (2 * Math.PI * variance).log() + (xTest - mean).square() / (2 * variance)).sum(1).mean().to(ScalarType.Float64).item<double>();

        using var flow = GlobalRandom.Seeded(7, () => new NiceFlow(TestConfig.Nice(d, Couplings: 4, HiddenLayers: 3, HiddenWidth: 256)));
        double untrained;
        using (no_grad()) untrained = -flow.LogLikelihood(xTest).mean().item<float>();
        var reports = FlowTrainer.Train(flow, new ArrayRowSource(trainRows.ToArray(), d), new NiceOptions().ToTrainingSettings() with
        {
            Epochs = 80, BatchSize = 50, LearningRate = 3e-3, Seed = 1, EarlyStoppingPatience = 10, Dequantization = dq,
            Progress = r => output.WriteLine(r.ToString()),
        });
        double flowNll;
        using (no_grad()) flowNll = -flow.LogLikelihood(xTest).mean().item<float>();

        double firstValid = reports[0].ValidNll!.Value;
        double bestValid = reports.Min(r => r.ValidNll!.Value);
        output.WriteLine($"validation NLL: epoch 1 {firstValid:F2}, best {bestValid:F2} (epoch {reports.First(r => r.ValidNll == bestValid).Epoch} of {reports.Count})");
        output.WriteLine($"held-out NLL, nats per image on [0,1]^64: untrained flow {untrained:F2}, diagonal Gaussian {gaussianNll:F2}, trained flow {flowNll:F2}");
        output.WriteLine($"in bits/dim on the [0,17) scale: diagonal Gaussian {dq.BitsPerDim(-gaussianNll, d):F4}, trained flow {dq.BitsPerDim(-flowNll, d):F4}");

        Assert.True(bestValid < firstValid - 10, $"validation NLL should fall well below the first epoch's {firstValid:F2}, best was {bestValid:F2}");
        Assert.True(flowNll < untrained - 50, $"training should lower the held-out NLL from {untrained:F2}; it is {flowNll:F2}");
        Assert.True(flowNll < gaussianNll - Margin, $"the flow's held-out NLL {flowNll:F2} should beat the diagonal Gaussian's {gaussianNll:F2} by {Margin} nats");
    }

    private const double Margin = 10;
}
