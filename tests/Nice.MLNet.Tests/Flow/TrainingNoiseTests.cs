using System.Linq;
using Nice.MLNet.Flow;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>The training noise: per-column dequantization plus Gaussian smoothing, drawn afresh per batch.</summary>
public sealed class TrainingNoiseTests
{
    [Fact]
    public void PreparedOnceForARun_AddsExactly_UMinusHalfTimesStep_PlusSmoothing_BatchAfterBatch()
    {
        // A training run makes the noise's constants (steps, ½, the D × D smoothing factor) once, not per batch; the
        // rows must be those of x + (u − ½)·step + ε·Lᵀ (u, then ε, from the generator) to the bit, so seeded fits keep
        // their results.
        const int d = 12;
        var steps = Enumerable.Range(0, d).Select(j => j % 3 == 0 ? 0.25f : 0f).ToArray();
        var factor = Enumerable.Range(0, d * d).Select(i => i / d >= i % d ? 0.01f * (1 + i % 5) : 0f).ToArray();
        var noise = new TrainingNoise(steps, factor);
        using var raw = randn(32, d, generator: new Generator(3UL));
        using var a = new Generator(9UL);
        using var b = new Generator(9UL);
        using var step = tensor(steps);
        using var l = tensor(factor, new long[] { d, d });
        using var prepared = noise.Prepare(ScalarType.Float32, CPU);
        for (int batch = 0; batch < 5; batch++)
        {
            using var scope = NewDisposeScope();
            var u = rand(raw.shape, generator: a) - 0.5;
            var e = randn(raw.shape, generator: a);
            var expected = (raw + u * step + e.matmul(l.t())).data<float>().ToArray();
            var reused = prepared.Apply(raw, b).data<float>().ToArray();
            Assert.Equal(expected, reused);
            Assert.NotEqual(raw.data<float>().ToArray(), reused);
        }
    }
}
