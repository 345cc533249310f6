using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// A full-covariance Gaussian fitted to training rows (float64), its covariance shrunk towards a scaled identity with the
/// Ledoit–Wolf (2004) weight: Σ = (1 − α) S + α (tr S / D) I. Scores rows by the squared Mahalanobis distance (x − μ)ᵀ Σ⁻¹ (x − μ),
/// which ranks exactly like −log p(x). Also gives the whitening map W = L⁻¹ (Σ = L Lᵀ) used to feed the flows.
/// </summary>
public sealed class Gaussian
{
    public double[] Mean { get; }
    public double Shrinkage { get; }
    private readonly double[,] inverseCholesky; // L⁻¹, lower triangular

    public int Dimension => Mean.Length;

    public Gaussian(float[][] rows, double? shrinkage = null)
    {
        using var scope = NewDisposeScope();
        int n = rows.Length, d = rows[0].Length;
        var x = tensor(rows.SelectMany(r => r.Select(v => (double)v)).ToArray(), new long[] { n, d });
        var mean = x.mean(new long[] { 0 });
        var c = x - mean;
        var s = c.t().mm(c) / n;
        double alpha = shrinkage ?? LedoitWolf(c, s, n);
        double mu = s.trace().item<double>() / d;
        var sigma = (1 - alpha) * s + alpha * mu * eye(d, dtype: ScalarType.Float64);
        var l = linalg.cholesky(sigma);
        var li = linalg.solve_triangular(l, eye(d, dtype: ScalarType.Float64), upper: false);
        Mean = mean.data<double>().ToArray();
        Shrinkage = alpha;
        var flat = li.data<double>().ToArray();
        inverseCholesky = new double[d, d];
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) inverseCholesky[i, j] = flat[i * d + j];
    }

    /// <summary>Ledoit–Wolf's optimal shrinkage towards μI: α = min(1, Σₖ‖xₖxₖᵀ − S‖²_F / n² / ‖S − μI‖²_F).</summary>
    private static double LedoitWolf(Tensor centred, Tensor s, int n)
    {
        long d = s.shape[0];
        double mu = s.trace().item<double>() / d;
        double delta = (s - mu * eye(d, dtype: ScalarType.Float64)).pow(2).sum().item<double>();
        // Σₖ‖xₖxₖᵀ − S‖²_F = Σₖ‖xₖ‖⁴ − n‖S‖²_F
        double fourth = centred.pow(2).sum(new long[] { 1 }).pow(2).sum().item<double>();
        double beta = (fourth - n * s.pow(2).sum().item<double>()) / ((double)n * n);
        return Math.Clamp(beta / delta, 0, 1);
    }

    /// <summary>z = L⁻¹ (x − μ): whitened rows (standard normal under the fitted Gaussian), as one float64 matrix product.</summary>
    public float[][] Whiten(float[][] rows)
    {
        using var scope = NewDisposeScope();
        int n = rows.Length, d = Dimension;
        var flatL = new double[d * d];
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) flatL[i * d + j] = inverseCholesky[i, j];
        var x = tensor(rows.SelectMany(r => r.Select(v => (double)v)).ToArray(), new long[] { n, d }) - tensor(Mean);
        var z = x.mm(tensor(flatL, new long[] { d, d }).t()).to(ScalarType.Float32).data<float>().ToArray();
        return Enumerable.Range(0, n).Select(i => z.AsSpan(i * d, d).ToArray()).ToArray();
    }

    /// <summary>Squared Mahalanobis distance of each row.</summary>
    public double[] Score(float[][] rows) => Whiten(rows).Select(z => z.Sum(v => (double)v * v)).ToArray();
}
