using System;
using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>
/// The dequantization convention with literal numbers: a value v = k·step + offset is level k; training sees
/// x = (k + u)/L with u ~ U(0, 1), so x fills [k/L, (k+1)/L); scoring sees the bin's centre (k + ½)/L; bits/dim on the [0, L)
/// scale is (−log p + D·ln L)/(D·ln 2).
/// </summary>
public class DequantizationTests
{
    [Fact]
    public void BitsPerDim_IsTheFormula_WithLiteralNumbers()
    {
        // (100 + 4·ln 256)/(4·ln 2) = 100/(4·ln 2) + 8
        Approx.Equal(44.06737602222409, Units.BitsPerDim(-100, 4, 256), 1e-12, "L = 256");
        Approx.Equal(36.06737602222409, Units.BitsPerDim(-100, 4, 0), 1e-12, "no dequantization");
        Approx.Equal(-23.740771970896933, Units.BitsPerDim(1234.5, 64, 17), 1e-12, "L = 17, D = 64");
        Approx.Equal(44.06737602222409, new Dequantization(256, 1, 0).BitsPerDim(-100, 4), 1e-12, "Dequantization.BitsPerDim");
        Approx.Equal(36.06737602222409, Units.BitsPerDim(-100, 4, (Dequantization?)null), 1e-12, "null dequantization");
    }

    [Fact]
    public void Scoring_MapsEachValueToItsBinCentre()
    {
        using var scope = NewDisposeScope();
        var digits = new Dequantization(17, 1, 0);
        var v = tensor(new float[] { 0, 3, 3.4f, 2.6f, 16 }, new long[] { 1, 5 });
        var x = digits.ToFlow(v, noise: false).data<float>().ToArray();
        var expected = new[] { 0.5 / 17, 3.5 / 17, 3.5 / 17, 3.5 / 17, 16.5 / 17 };
        for (int i = 0; i < 5; i++) Approx.Equal(expected[i], x[i], 1e-7, $"value {v[0, i].item<float>()}");

        // step 2, offset −1: v = 5 is level 3, v = −1 level 0
        var shifted = new Dequantization(4, 2, -1);
        var y = shifted.ToFlow(tensor(new float[] { 5, -1 }, new long[] { 1, 2 }), noise: false).data<float>().ToArray();
        Approx.Equal(3.5 / 4, y[0], 1e-7, "v = 5");
        Approx.Equal(0.5 / 4, y[1], 1e-7, "v = -1");
        var back = shifted.FromFlow(tensor(y, new long[] { 1, 2 })).data<float>().ToArray();
        Assert.Equal(new[] { 5f, -1f }, back);
    }

    [Fact]
    public void TrainingNoise_FillsTheBinFromItsLowerEdgeToItsUpperEdge()
    {
        using var scope = NewDisposeScope();
        const int levels = 17, k = 3, n = 200_000;
        var dq = new Dequantization(levels, 1, 0);
        using var generator = new Generator(5);
        var x = dq.ToFlow(full(new long[] { n, 1 }, (float)k), noise: true, generator).to(ScalarType.Float64);
        double lo = (double)k / levels, hi = (k + 1.0) / levels, width = hi - lo;
        double min = x.min().item<double>(), max = x.max().item<double>(), mean = x.mean().item<double>();
        Assert.True(min >= lo - 1e-7 && max < hi + 1e-7, $"noise left the bin [{lo}, {hi}): min {min}, max {max}");
        Assert.True(min < lo + 1e-3 * width && max > hi - 1e-3 * width, $"noise does not reach both edges: min {min}, max {max}");
        // u ~ U(0,1): mean (k + ½)/L, standard deviation 1/(L·√12); 200,000 draws put the mean within 5e-6 of it (8 s.e.)
        Approx.Equal((k + 0.5) / levels, mean, 8 * width / Math.Sqrt(12 * n), "mean of the noised value");
        Approx.Equal(width / Math.Sqrt(12), x.std().item<double>(), 0.01 * width / Math.Sqrt(12), "standard deviation");
    }
}
