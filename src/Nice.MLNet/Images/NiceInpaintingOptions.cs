using System;

namespace Nice.MLNet.Images;

/// <summary>
/// Settings of
/// <c>Inpaint</c> (<see cref="NiceInpaintingExtensions"/>),
/// the NICE paper's inpainting (Dinh, Krueger &amp; Bengio, arXiv:1410.8516, §5.2): with the known pixels x_O clamped,
/// the unknown ones x_H follow the projected stochastic gradient ascent x_H ← Π( x_H + αᵢ·(∂ log p_X(x_O, x_H)/∂x_H +
/// ε) ), ε ~ N(0, I·<see cref="NoiseScale"/>²), αᵢ = <see cref="StepNumerator"/>/(<see cref="StepDenominator"/> + i),
/// where Π clamps to the valid range. The paper uses αᵢ = 10/(100 + i) with unit Gaussian noise; those are the
/// defaults. The ascent runs in the flow's space: x ∈ [0, 1]ᴰ with dequantization (the paper's scale), otherwise the
/// input's own units.
/// </summary>
public sealed record NiceInpaintingOptions
{
    /// <summary>Iterations i = 0 … Steps − 1, ≥ 0. Default 1000.</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Numerator a of αᵢ = a/(b + i), &gt; 0. Default 10 (the paper).</summary>
    public double StepNumerator { get; init; } = 10;

    /// <summary>Denominator offset b of αᵢ = a/(b + i), &gt; 0. Default 100 (the paper).</summary>
    public double StepDenominator { get; init; } = 100;

    /// <summary>Standard deviation of the Gaussian ε added to the gradient, ≥ 0; 0 = plain projected gradient ascent.
    /// Default 1 (the paper).</summary>
    public double NoiseScale { get; init; } = 1;

    /// <summary>Seed of the noise. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Lowest valid input value for a model without dequantization (ignored with dequantization, where the range is the
    /// levels').
    /// </summary>
    public float? Min { get; init; }

    /// <summary>Highest valid input value for a model without dequantization (ignored with dequantization).</summary>
    public float? Max { get; init; }

    internal void Validate()
    {
        if (Steps < 0) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "Steps must be >= 0.");
        if (!(StepNumerator > 0) || double.IsInfinity(StepNumerator))
            throw new ArgumentOutOfRangeException(nameof(StepNumerator), StepNumerator,
                "StepNumerator must be a finite number > 0.");
        if (!(StepDenominator > 0) || double.IsInfinity(StepDenominator))
            throw new ArgumentOutOfRangeException(nameof(StepDenominator), StepDenominator,
                "StepDenominator must be a finite number > 0.");
        if (!(NoiseScale >= 0) || double.IsInfinity(NoiseScale))
            throw new ArgumentOutOfRangeException(nameof(NoiseScale), NoiseScale,
                "NoiseScale must be a finite number >= 0.");
        if (Min.HasValue != Max.HasValue)
            throw new ArgumentException("NiceInpaintingOptions.Min and Max must be set together.", nameof(Min));
        if (Min is float lo && Max is float hi && !(hi > lo))
            throw new ArgumentException($"NiceInpaintingOptions.Max ({hi}) must be greater than Min ({lo}).",
                nameof(Max));
    }
}
