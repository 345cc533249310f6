using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// Maps quantized inputs to the flow's continuous space, the convention of the NICE paper and of the
/// literature's bits/dim. An input value is v = k·<see cref="Step"/> + <see cref="Offset"/> with an integer level
/// k ∈ {0, …, L−1} (L = <see cref="Levels"/>, 256 for 8-bit data); the flow sees x = (k + u) / L with
/// u ~ U(0, 1) while training, and u = ½ (the bin's centre) when scoring, so scores are deterministic.
/// Log-likelihoods are then densities on [0, 1]ᴰ in nats (the paper's 1980.50 for MNIST is in this unit), and
/// bits/dim on the [0, L) scale = (−log p(x) + D·ln L) / (D·ln 2).
/// </summary>
internal sealed record Dequantization(int Levels, double Step, double Offset)
{
    /// <summary>8-bit data given as 0…255.</summary>
    public static Dequantization Bytes { get; } = new(256, 1.0, 0.0);

    public void Validate()
    {
        if (Levels < 2)
            throw new ArgumentOutOfRangeException(nameof(Levels), Levels,
                "Dequantization needs at least 2 levels (256 for 8-bit data).");
        if (!(Step > 0) || double.IsInfinity(Step))
            throw new ArgumentOutOfRangeException(nameof(Step), Step,
                "The quantization step must be a finite number > 0.");
        if (!double.IsFinite(Offset))
            throw new ArgumentOutOfRangeException(nameof(Offset), Offset, "The offset must be finite.");
    }

    /// <summary>True when v is within half a step of a level k ∈ {0, …, L−1}.</summary>
    public bool InRange(float v)
    {
        double k = (v - Offset) / Step;
        return k > -0.5 && k < Levels - 0.5;
    }

    /// <summary>x = (k + u)/L; u ~ U(0,1) with <paramref name="generator"/> when <paramref name="noise"/>, else u =
    /// ½.</summary>
    public Tensor ToFlow(Tensor v, bool noise, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var k = ((v - Offset) / Step).round().clamp(0, Levels - 1);
        var u = noise ? rand(v.shape, generator: generator, dtype: v.dtype).to(v.device) : full(v.shape, 0.5,
            dtype: v.dtype, device: v.device);
        return ((k + u) / Levels).MoveToOuterDisposeScope();
    }

    /// <summary>v = (x·L − ½)·Step + Offset, clamped to the valid levels' range.</summary>
    public Tensor FromFlow(Tensor x)
    {
        using var scope = NewDisposeScope();
        var k = (x * Levels - 0.5).clamp(0, Levels - 1);
        return (k * Step + Offset).MoveToOuterDisposeScope();
    }

    /// <summary>Bits per dimension on the [0, L) scale for a log-likelihood in nats on [0, 1]ᴰ.</summary>
    public double BitsPerDim(double logLikelihood, int dimension) => Units.BitsPerDim(logLikelihood, dimension, Levels);
}
