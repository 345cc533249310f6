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

    /// <summary>
    /// The noise's constant tensors (steps, ½, the smoothing factor L), made once for a whole training run rather than
    /// once per batch. Re-made per batch, the D × D factor churned the large-object heap, and the garbage collections
    /// that caused could finalize one of TorchSharp's implicit Scalars (each <c>a + b</c> or <c>x − 0.5</c> makes one
    /// that nothing holds during the native call) under the call: fits with smoothing on musk (D = 166) failed in
    /// libtorch with "Unknown scalar type" or "Expected false to be true" (Scalar.h).
    /// </summary>
    public Prepared Prepare(ScalarType dtype, Device device) => new(this, dtype, device);

    /// <summary><see cref="TrainingNoise"/> with its constants on a device; dispose it when the run ends.</summary>
    internal sealed class Prepared : IDisposable
    {
        private readonly Tensor? step, half, factor;

        public Prepared(TrainingNoise noise, ScalarType dtype, Device device)
        {
            int d = noise.Dimension;
            if (noise.Dequantizes)
            {
                step = Own(tensor(noise.Steps, dtype: dtype), device);
                half = Own(tensor(0.5, dtype: dtype), device);
            }
            if (noise.Smoothing != null)
                factor = Own(tensor(noise.Smoothing, new long[] { d, d }, dtype: dtype), device);
        }

        private static Tensor Own(Tensor t, Device device)
        {
            var moved = t.to(device);
            if (!ReferenceEquals(moved, t)) t.Dispose();
            return moved.DetachFromDisposeScope();
        }

        /// <summary>
        /// The rows <paramref name="raw"/> [N, D] plus noise drawn from <paramref name="generator"/>.
        /// </summary>
        public Tensor Apply(Tensor raw, Generator generator)
        {
            using var scope = NewDisposeScope();
            var x = raw;
            if (step is not null)
            {
                // u − ½ with ½ a tensor, not a double (one implicit Scalar fewer): the same float arithmetic.
                var u = rand(raw.shape, generator: generator, dtype: raw.dtype).to(raw.device) - half!;
                x = x + u * step;
            }
            if (factor is not null)
            {
                var e = randn(raw.shape, generator: generator, dtype: raw.dtype).to(raw.device);
                x = x + e.matmul(factor.t());
            }
            return x.MoveToOuterDisposeScope();
        }

        public void Dispose()
        {
            step?.Dispose();
            half?.Dispose();
            factor?.Dispose();
        }
    }
}
