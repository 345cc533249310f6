using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Cli.Bench;

/// <summary>
/// Maximum-likelihood Gaussian baselines for the density benchmark, in double precision: fitted to dequantized training
/// data x = (k + u)/L in [0,1]ᴰ and scoring dequantized test rows in the same units as NICE (nats on [0,1]ᴰ).
/// </summary>
public static class DensityGaussians
{
    /// <summary>
    /// Dequantizes 8-bit-style levels (values k·step, k ∈ [0, L)) to x = (k + u)/L with u ~ U(0,1) drawn from a seeded
    /// torch generator — the noise convention of <see cref="NiceTransformer.Evaluate"/> — as an N×D float64 tensor.
    /// </summary>
    public static Tensor Dequantize(float[] values, int rows, int dimension, int levels, double step, int seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)(uint)seed);
        var k = tensor(values, new long[] { rows, dimension }).to(ScalarType.Float64).div(step).round().clamp(0,
            levels - 1);
        var u = rand(new long[] { rows, dimension }, generator: generator, dtype: ScalarType.Float64);
        return ((k + u) / levels).MoveToOuterDisposeScope();
    }

    /// <summary>Per-row log-density (nats) of <paramref name="test"/> under a diagonal Gaussian fitted by ML to
    /// <paramref name="train"/>.</summary>
    public static double[] Diagonal(Tensor train, Tensor test)
    {
        using var scope = NewDisposeScope();
        var mean = train.mean(new long[] { 0 });
        var variance = (train - mean).pow(2).mean(new long[] { 0 }); // ML estimate (divides by N)
        var z2 = (test - mean).pow(2) / variance;
        var ll = -0.5 * (z2.sum(new long[] { 1 }) + variance.log().sum() + test.shape[1] * Math.Log(2 * Math.PI));
        return ll.data<double>().ToArray();
    }

    /// <summary>
    /// Per-row log-density (nats) of <paramref name="test"/> under a full-covariance Gaussian fitted by ML to
    /// <paramref name="train"/> with Σ = S + <paramref name="ridge"/>·I, via the Cholesky factor Σ = LLᵀ:
    /// log p = −½(D ln 2π + 2 Σ ln Lᵢᵢ + ‖L⁻¹(x − μ)‖²).
    /// </summary>
    public static double[] Full(Tensor train, Tensor test, double ridge)
    {
        using var scope = NewDisposeScope();
        long n = train.shape[0], d = train.shape[1];
        var mean = train.mean(new long[] { 0 });
        var centered = train - mean;
        var covariance = centered.t().mm(centered) / n + ridge * eye(d, dtype: ScalarType.Float64);
        var l = linalg.cholesky(covariance);
        var logDet = 2 * l.diagonal().log().sum().item<double>();
        var y = linalg.solve_triangular(l, (test - mean).t(), upper: false); // D×M
        var ll = -0.5 * (y.pow(2).sum(new long[] { 0 }) /* not sum(0): a literal 0 binds to the ScalarType overload */
            + logDet + d * Math.Log(2 * Math.PI));
        return ll.data<double>().ToArray();
    }

    /// <summary>Mean and its standard error over rows (non-finite rows are not counted, as in
    /// NiceTransformer.Evaluate).</summary>
    public static (double Mean, double StandardError, long Rows) Summarize(double[] values)
    {
        double sum = 0, sumSq = 0;
        long n = 0;
        foreach (var v in values)
            if (double.IsFinite(v)) { sum += v; sumSq += v * v; n++; }
        if (n == 0) return (double.NaN, double.NaN, 0);
        double mean = sum / n;
        double se = n > 1 ? Math.Sqrt(Math.Max(0, sumSq / n - mean * mean) / (n - 1)) : double.NaN;
        return (mean, se, n);
    }

    /// <summary>Bits per dimension on the [0, L) scale for a log-likelihood in nats on [0,1]ᴰ.</summary>
    public static double BitsPerDim(double logLikelihood, int dimension, int levels)
        => (-logLikelihood + dimension * Math.Log(levels)) / (dimension * Math.Log(2));
}
