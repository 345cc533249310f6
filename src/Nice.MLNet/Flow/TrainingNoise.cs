using System;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// Noise added to every training (and validation) row, drawn afresh each epoch, so the flow fits the density of the
/// noisy rows. <paramref name="Steps"/>: per-column dequantization, x + u·stepⱼ with u ~ U(−½, ½) on the columns with
/// stepⱼ &gt; 0 — a column whose values sit on a grid of that step (integers, 0.01's) then has a proper density and
/// exact duplicates cannot be memorized. <paramref name="Smoothing"/>: the lower-triangular L (row-major D × D) of a
/// Gaussian smoothing x + L·ε, ε ~ N(0, I) — a kernel density's bandwidth H = L·Lᵀ inside the flow. Scoring uses the
/// values themselves (no noise).
/// </summary>
internal sealed record TrainingNoise(float[] Steps, float[]? Smoothing)
{
    public int Dimension => Steps.Length;

    /// <summary>True when some column gets dequantization noise.</summary>
    public bool Dequantizes => Array.Exists(Steps, s => s > 0);

    public void Validate()
    {
        foreach (var s in Steps)
            if (!(s >= 0) || float.IsInfinity(s))
                throw new ArgumentOutOfRangeException(nameof(Steps), s, "Every step must be a finite number >= 0.");
        if (Smoothing != null && Smoothing.Length != Dimension * Dimension)
            throw new ArgumentException($"The smoothing factor has {Smoothing.Length} values; D × D = " +
                $"{Dimension * Dimension} expected.", nameof(Smoothing));
    }

    /// <summary>The rows <paramref name="raw"/> [N, D] plus noise drawn from <paramref name="generator"/>.</summary>
    public Tensor Apply(Tensor raw, Generator generator)
    {
        using var scope = NewDisposeScope();
        int d = Dimension;
        var x = raw;
        if (Dequantizes)
        {
            var step = tensor(Steps, dtype: raw.dtype).to(raw.device);
            var u = rand(raw.shape, generator: generator, dtype: raw.dtype).to(raw.device) - 0.5;
            x = x + u * step;
        }
        if (Smoothing != null)
        {
            var l = tensor(Smoothing, new long[] { d, d }, dtype: raw.dtype).to(raw.device);
            var e = randn(raw.shape, generator: generator, dtype: raw.dtype).to(raw.device);
            x = x + e.matmul(l.t());
        }
        return x.MoveToOuterDisposeScope();
    }
}
