using System;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// The covariance estimates <see cref="Whitening"/> is fitted with, from the float64 moments of the training rows:
/// probabilistic PCA in the low-rank form (from S, or from the centred rows when they are few) and Ledoit–Wolf's
/// shrinkage weight. Tensors in, tensors out; the layer decides which to use and stores the result.
/// </summary>
internal static class CovarianceEstimates
{
    /// <summary>
    /// Σ^(−½) of Σ = Vₖ Λₖ Vₖᵀ + σ² (I − Vₖ Vₖᵀ) in the low-rank form: s = 1/σ, S's <paramref name="width"/> leading
    /// eigenvectors (leading first; <see cref="LeadingEigenpairs"/>) and their gains (<see cref="PpcaGains"/>), the
    /// sum of S's other eigenvalues being tr S minus the k leading ones.
    /// </summary>
    public static (double Scale, Tensor Basis, Tensor Gain, int Iterations) ProbabilisticPca(Tensor s, int width,
        int k, double meanVariance)
    {
        var (values, vectors, iterations) = LeadingEigenpairs.Compute(s, width, k);
        double rest = s.trace().item<double>() - values.narrow(0, 0, k).sum().item<double>();
        var (scale, gain) = PpcaGains(values, rest, s.shape[0], width, k, meanVariance);
        return (scale, vectors, gain, iterations);
    }

    /// <summary>
    /// s = 1/σ and the gains λᵢ^(−½) − 1/σ of the <paramref name="k"/> leading eigenvalues
    /// (<paramref name="leading"/>, descending; λᵢ floored at σ²), 0 for the other <paramref name="width"/> − k basis
    /// columns. σ² = <paramref name="rest"/> / (D − k), the mean of S's D − k other eigenvalues (their sum, floored at
    /// 0, and σ² at 10⁻¹² of the mean variance), the maximum-likelihood σ² of probabilistic PCA.
    /// </summary>
    private static (double Scale, Tensor Gain) PpcaGains(Tensor leading, double rest, long d, int width, int k,
        double meanVariance)
    {
        double sigma2 = Math.Max(Math.Max(rest, 0) / (d - k), 1e-12 * meanVariance);
        double scale = 1 / Math.Sqrt(sigma2);
        var gain = zeros(width, dtype: ScalarType.Float64, device: leading.device);
        gain.narrow(0, 0, k).copy_(leading.narrow(0, 0, k).clamp_min(sigma2).rsqrt() - scale);
        return (scale, gain);
    }

    /// <summary>
    /// <see cref="ProbabilisticPca"/> from the centred rows C [n, D] (n &lt; D) instead of S = CᵀC / n: the nonzero
    /// eigenvalues of S are those of G = C Cᵀ / n, with eigenvectors vᵢ = Cᵀuᵢ / √(n λᵢ); S's other D − n eigenvalues
    /// are 0. The basis columns past the leading min(width, n) (and any of a zero eigenvalue) are completed to an
    /// orthonormal set (QR with a fixed random start); their gains are 0, as for every direction past k.
    /// </summary>
    public static (double Scale, Tensor Basis, Tensor Gain, int Iterations) ProbabilisticPcaFromRows(Tensor c,
        int width, int k, double meanVariance)
    {
        long n = c.shape[0], d = c.shape[1];
        var (values, vectors) = linalg.eigh(c.mm(c.t()) / n);       // ascending, n values; S's other D − n are 0
        double rest = values.narrow(0, 0, n - k).clamp_min(0).sum().item<double>();
        var (scale, gain) = PpcaGains(values.narrow(0, n - k, k).flip(0), rest, d, width, k, meanVariance);
        int m = (int)Math.Min(width, n);
        var top = values.narrow(0, n - m, m).flip(0).clamp_min(0);
        var keep = top.gt(1e-12 * meanVariance);
        var v = c.t().mm(vectors.narrow(1, n - m, m).flip(1)) / (top * n).clamp_min(1e-300).sqrt() * keep;
        var start = cat(new[] { v, LeadingEigenpairs.RandomStart(d, width - m, c.device) }, 1);
        var basis = linalg.qr(start).Q;
        // QR keeps each leading column's direction up to its sign; put the signs back so column i is vᵢ.
        var signs = (basis * start).sum(0).sign();
        basis = basis * signs.where(signs.ne(0), ones_like(signs));
        return (scale, basis, gain, 0);
    }

    /// <summary>
    /// Ledoit–Wolf's weight toward μI (μ = tr S / D): α = min(1, β / δ) with β = (Σₖ‖xₖ‖⁴ − n‖S‖²_F) / n² (the
    /// centred rows xₖ; Σₖ‖xₖxₖᵀ − S‖²_F = Σₖ‖xₖ‖⁴ − n‖S‖²_F) and δ = ‖S − μI‖²_F.
    /// </summary>
    public static double LedoitWolf(Tensor s, double fourth, long n, double mu)
    {
        long d = s.shape[0];
        double delta = (s - eye(d, dtype: s.dtype, device: s.device) * mu).square().sum().item<double>();
        double beta = (fourth - n * s.square().sum().item<double>()) / ((double)n * n);
        return delta > 0 ? Math.Clamp(beta / delta, 0, 1) : 1;
    }
}
