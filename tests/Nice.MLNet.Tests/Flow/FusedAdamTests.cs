using System;
using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>The trainer's one-pass Adam must take exactly the steps of TorchSharp's optim.Adam.</summary>
public class FusedAdamTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.01)]
    public void FusedAdam_TakesTheSameStepsAsTorchSharpAdam(double weightDecay)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(11);
        // Odd sizes, so the SIMD tail and several chunks are exercised; one parameter without gradient in some steps.
        var shapes = new long[][] { new long[] { 37, 1001 }, new long[] { 7 }, new long[] { 3, 5 }, new long[] { 70001 } };
        var init = shapes.Select(s => randn(s, generator: generator)).ToArray();
        var a = init.Select(t => new Parameter(t.clone())).ToArray();
        var b = init.Select(t => new Parameter(t.clone())).ToArray();
        using var fused = new FusedAdam(a, 1e-3, 0.9, 0.99, 1e-4, weightDecay);
        using var reference = optim.Adam(b, 1e-3, 0.9, 0.99, 1e-4, weightDecay);
        for (int step = 0; step < 25; step++)
        {
            for (int i = 0; i < shapes.Length; i++)
            {
                if (i == 2 && step % 3 == 1) { a[i].grad = null; b[i].grad = null; continue; }
                var g = randn(shapes[i], generator: generator) * (1 + step % 4);
                a[i].grad = g.clone();
                b[i].grad = g.clone();
            }
            fused.Step();
            reference.step();
        }
        for (int i = 0; i < shapes.Length; i++)
        {
            double diff = (a[i] - b[i]).abs().max().item<float>();
            double moved = (b[i] - init[i]).abs().max().item<float>();
            Assert.True(moved > 1e-3, $"parameter {i} should have moved (moved {moved})");
            Assert.True(diff <= 1e-6, $"parameter {i}: max |fused - torch| = {diff} after 25 steps (moved {moved})");
        }
    }
}
