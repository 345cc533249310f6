using System;
using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>The properties every layer and every flow must have, whatever the architecture.</summary>
public class FlowPropertyTests
{
    [Fact]
    public void Inverse_OfForward_ReturnsInput_ForPaperSizeModelOn784Dimensions()
    {
        using var scope = NewDisposeScope();
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(784), seed: 1, scale: 0.02);
        var x = rand(new long[] { 64, 784 }, generator: new Generator(2));
        using var _ = no_grad();
        var (z, _) = flow.Forward(x);
        var back = flow.Inverse(z);
        double err = (back - x).abs().max().item<float>();
        double moved = (z - x).abs().max().item<float>();
        Assert.True(moved > 1e-2, $"the random flow should not be the identity (max |z - x| = {moved})");
        Assert.True(err <= 1e-4, $"max |f^-1(f(x)) - x| = {err}");
    }

    public static TheoryData<NicePartition, int, int, int, NiceActivation> Architectures => new()
    {
        { NicePartition.Interleaved, 6, 4, 2, NiceActivation.ReLU },
        { NicePartition.Contiguous, 6, 4, 2, NiceActivation.ReLU },
        { NicePartition.Interleaved, 6, 3, 1, NiceActivation.LeakyReLU },
        { NicePartition.Contiguous, 5, 2, 3, NiceActivation.LeakyReLU },
        { NicePartition.Interleaved, 7, 5, 2, NiceActivation.ReLU },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void LogDet_MatchesAutogradJacobian(NicePartition partition, int d, int couplings, int hidden, NiceActivation activation)
    {
        using var scope = NewDisposeScope();
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(d, couplings, hidden, 16, activation, partition), seed: d + couplings, scale: 0.5, dtype: ScalarType.Float64);
        using var generator = new Generator((ulong)(d + couplings));
        for (int trial = 0; trial < 3; trial++)
        {
            var x = randn(new long[] { 1, d }, dtype: ScalarType.Float64, generator: generator).requires_grad_(true);
            var (z, logDet) = flow.Forward(x);
            var rows = Enumerable.Range(0, d)
                .Select(i => autograd.grad(new[] { z[0, i] }, new[] { x }, retain_graph: true)[0].reshape(d))
                .ToArray();
            var jacobian = stack(rows);
            var (sign, logAbsDet) = linalg.slogdet(jacobian);
            Assert.NotEqual(0.0, sign.item<double>());
            double expected = logAbsDet.item<double>();
            double actual = logDet[0].item<double>();
            Assert.True(Math.Abs(expected - actual) <= 1e-4, $"log|det J| by autograd {expected}, by the flow {actual}");
        }
    }

    [Theory]
    [InlineData(NicePartition.Interleaved, 2)]
    [InlineData(NicePartition.Interleaved, 9)]
    [InlineData(NicePartition.Contiguous, 9)]
    public void EveryLayer_InverseOfForward_ReturnsInput(NicePartition partition, int d)
    {
        using var scope = NewDisposeScope();
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(d, 4, 2, 8, NiceActivation.ReLU, partition), seed: 3, scale: 0.5);
        var x = randn(new long[] { 32, d }, generator: new Generator(4));
        using var _ = no_grad();
        foreach (var layer in flow.Layers)
        {
            var (y, _) = layer.Forward(x);
            Assert.True((layer.Inverse(y) - x).abs().max().item<float>() <= 1e-5, $"{layer.GetName()} on D={d}");
        }
    }

    [Fact]
    public void EveryParameter_GetsAGradient()
    {
        using var scope = NewDisposeScope();
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(6, 4, 2, 8), seed: 5, scale: 0.3);
        flow.train();
        var loss = -flow.LogLikelihood(randn(new long[] { 16, 6 }, generator: new Generator(6))).mean();
        loss.backward();
        foreach (var (name, p) in flow.named_parameters())
        {
            Assert.NotNull(p.grad);
            Assert.True(p.grad!.abs().sum().item<float>() > 0, $"parameter {name} got a zero gradient");
        }
    }
}
