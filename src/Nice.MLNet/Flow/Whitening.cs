using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// A fixed affine map y = W(x − μ), log|det J| = log|det W|, set once from the training rows (data-dependent, not
/// trained: μ and W are persistent buffers "mean" and "weight", not parameters). <see cref="NiceWhitening.Diagonal"/>:
/// W = diag(1/σ), "weight" is [D]. <see cref="NiceWhitening.Full"/>: W = L⁻¹, lower triangular with a positive
/// diagonal, where L L<sup>T</sup> = Σ = (1 − α) S + α (tr S / D) I is the sample covariance S shrunk toward a scaled
/// identity with the Ledoit–Wolf (2004) weight α = min(1, Σₖ‖xₖxₖ<sup>T</sup> − S‖²_F / n² / ‖S − (tr S / D) I‖²_F)
/// (or a fixed α), or, with a rank k, the probabilistic-PCA covariance Σ = Vₖ Λₖ Vₖ<sup>T</sup> + σ²
/// (I − Vₖ Vₖ<sup>T</sup>) (Tipping &amp; Bishop 1999: S's k leading eigenpairs kept, σ² the mean of its other D − k
/// eigenvalues); "weight" is [D, D]. Under the standard Gaussian prior with nothing above it, the flow is then the
/// Gaussian N(μ, Σ) exactly. The inverse is x = W⁻¹ y + μ (a triangular solve). Starts as the identity (μ = 0, W = I).
/// </summary>
internal sealed class Whitening : FlowLayer
{
    public Whitening(int dimension, NiceWhitening kind) : base(nameof(Whitening))
    {
        if (kind is not (NiceWhitening.Diagonal or NiceWhitening.Full))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Whitening must be Diagonal or Full.");
        Kind = kind;
        Dimension = dimension;
        register_buffer("mean", zeros(dimension), persistent: true);
        register_buffer("weight", kind == NiceWhitening.Full ? eye(dimension) : ones(dimension), persistent: true);
    }

    public NiceWhitening Kind { get; }

    public int Dimension { get; }

    /// <summary>The shape of "weight": [D, D] (full) or [D] (diagonal).</summary>
    public long[] WeightShape
        => Kind == NiceWhitening.Full ? new long[] { Dimension, Dimension } : new long[] { Dimension };

    /// <summary>μ (the module's own buffer, [D]).</summary>
    public Tensor Mean => get_buffer("mean")!;

    /// <summary>W (the module's own buffer): L⁻¹ [D, D], or the diagonal 1/σ [D].</summary>
    public Tensor Weight => get_buffer("weight")!;

    /// <summary>The shrinkage α used by the last <see cref="FitFrom"/> (0 for diagonal whitening).</summary>
    public double Shrinkage { get; private set; }

    public override (Tensor Y, Tensor LogDet) Forward(Tensor x)
    {
        var w = Weight;
        var centred = x - Mean;
        return Kind == NiceWhitening.Full
            ? (centred.mm(w.t()), w.diagonal().log().sum().expand(x.shape[0]))
            : (centred * w, w.log().sum().expand(x.shape[0]));
    }

    public override Tensor Inverse(Tensor y)
        => (Kind == NiceWhitening.Full
            ? linalg.solve_triangular(Weight.t(), y, upper: true, left: false)   // rows: X Wᵀ = Y
            : y / Weight) + Mean;

    /// <summary>
    /// Replaces μ and W (float32 or float64 values, row-major). Throws <see cref="ArgumentException"/> unless they have
    /// the layer's shapes, are finite, and W is lower triangular (full) with a positive diagonal.
    /// </summary>
    public void Set(ReadOnlySpan<float> meanValues, ReadOnlySpan<float> weightValues)
    {
        WhiteningValues.Check(Kind, Dimension, meanValues, weightValues);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Mean.copy_(tensor(meanValues.ToArray()));
        Weight.copy_(tensor(weightValues.ToArray(), WeightShape));
    }

    /// <summary>Copies μ, W and α from another whitening of the same kind and dimension.</summary>
    public void CopyFrom(Whitening other)
    {
        if (other.Kind != Kind || other.Dimension != Dimension)
            throw new ArgumentException($"Cannot copy a {other.Kind} whitening of D = {other.Dimension} into a {Kind} "
                + $"one of D = {Dimension}.");
        using var _ = no_grad();
        Mean.copy_(other.Mean);
        Weight.copy_(other.Weight);
        Shrinkage = other.Shrinkage;
    }

    /// <summary>
    /// Sets μ and W from training rows in flow space. <paramref name="pass"/> enumerates them as [n, D] batches (each
    /// disposed here); it is called twice (the mean, then the centred moments) and must give the same rows both times.
    /// The moments are accumulated in float64. <paramref name="shrinkage"/>: a fixed α in [0, 1], or null for
    /// Ledoit–Wolf. <paramref name="rank"/> (full whitening only): k ≥ 1 replaces the shrinkage by the
    /// probabilistic-PCA covariance with <see cref="EffectiveRank"/> leading directions. Throws
    /// <see cref="InvalidOperationException"/> when there are fewer than two rows, every feature is constant, or the
    /// covariance is not positive definite (a fixed α of 0 on singular data).
    /// </summary>
    public void FitFrom(Func<IEnumerable<Tensor>> pass, double? shrinkage, int? rank = null)
    {
        if (rank is int k0 && k0 < 1)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, "Rank must be >= 1 (null = shrinkage).");
        if (shrinkage is double fixedAlpha && !(fixedAlpha >= 0 && fixedAlpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(shrinkage), shrinkage, "Shrinkage must be in [0, 1].");
        int d = Dimension;
        using var outer = NewDisposeScope();
        Tensor? sum = null;
        long n = 0;
        foreach (var batch in pass())
            using (batch)
            using (NewDisposeScope())
            {
                var x = batch.to(ScalarType.Float64);
                var s = x.sum(new long[] { 0 });
                if (sum is null) sum = s.MoveToOuterDisposeScope();
                else sum.add_(s);
                n += x.shape[0];
            }
        if (n < 2 || sum is null)
            throw new InvalidOperationException($"Whitening needs at least 2 training rows; got {n}.");
        var mu = sum / n;
        Tensor? outerSum = null;
        double fourth = 0;
        foreach (var batch in pass())
            using (batch)
            using (NewDisposeScope())
            {
                var c = batch.to(ScalarType.Float64) - mu;
                var cc = Kind == NiceWhitening.Full ? c.t().mm(c) : c.square().sum(new long[] { 0 });
                if (outerSum is null) outerSum = cc.MoveToOuterDisposeScope();
                else outerSum.add_(cc);
                fourth += c.square().sum(1).square().sum().item<double>();
            }
        var cov = outerSum! / n;
        var variances = Kind == NiceWhitening.Full ? cov.diagonal() : cov;
        double meanVariance = variances.mean().item<double>();
        if (!(meanVariance > 0) || !double.IsFinite(meanVariance))
            throw new InvalidOperationException(
                $"Whitening: the {n} training rows have no variance (mean variance {meanVariance}).");
        Tensor w;
        if (Kind == NiceWhitening.Diagonal)
        {
            Shrinkage = 0;
            w = variances.clamp_min(1e-12 * meanVariance).rsqrt();
        }
        else
        {
            var identity = eye(d, dtype: ScalarType.Float64, device: cov.device);
            Rank = rank is int k && d >= 2 ? EffectiveRank(k, d, n) : 0;
            double alpha = Rank > 0 ? 0 : shrinkage ?? LedoitWolf(cov, fourth, n, meanVariance);
            Shrinkage = alpha;
            var sigma = Rank > 0
                ? ProbabilisticPca(cov, Rank, meanVariance, identity)
                : cov * (1 - alpha) + identity * (alpha * meanVariance);
            var (l, info) = linalg.cholesky_ex(sigma);
            if (info.item<int>() != 0)
                throw new InvalidOperationException(Rank > 0
                    ? $"Whitening: the rank-{Rank} probabilistic-PCA covariance of the {n} training rows is not "
                        + $"positive definite (D = {d})."
                    : $"Whitening: the covariance of the {n} training rows shrunk with "
                        + $"α = {alpha} is not positive definite (D = {d}); use Ledoit–Wolf shrinkage or a larger α.");
            w = linalg.solve_triangular(l, identity, upper: false).tril();
        }
        using var _ = no_grad();
        Mean.copy_(mu);
        Weight.copy_(w);
    }

    /// <summary>The rank used for a requested rank k: min(k, D − 1, ⌊n / 10⌋), at least 1 (each kept direction's
    /// variance is estimated from the rows: at least ten rows per kept direction).</summary>
    public static int EffectiveRank(int k, int d, long n) => (int)Math.Max(1, Math.Min(Math.Min(k, d - 1), n / 10));

    /// <summary>The rank of the last <see cref="FitFrom"/> with a rank (0 otherwise).</summary>
    public int Rank { get; private set; }

    /// <summary>
    /// Σ = Vₖ Λₖ Vₖᵀ + σ² (I − Vₖ Vₖᵀ): the k leading eigenpairs of S kept, the rest of the spectrum replaced by its
    /// mean σ² (floored at 10⁻¹² of the mean variance), the maximum-likelihood covariance of probabilistic PCA.
    /// </summary>
    private static Tensor ProbabilisticPca(Tensor s, int k, double meanVariance, Tensor identity)
    {
        long d = s.shape[0];
        var (values, vectors) = linalg.eigh(s);                       // ascending
        var top = vectors.narrow(1, d - k, k);
        double sigma2 = Math.Max(values.narrow(0, 0, d - k).clamp_min(0).mean().item<double>(), 1e-12 * meanVariance);
        var spread = (values.narrow(0, d - k, k) - sigma2).clamp_min(0);
        return (top * spread).mm(top.t()) + identity * sigma2;
    }

    /// <summary>
    /// Ledoit–Wolf's weight toward μI (μ = tr S / D): α = min(1, β / δ) with β = (Σₖ‖xₖ‖⁴ − n‖S‖²_F) / n² (the
    /// centred rows xₖ; Σₖ‖xₖxₖᵀ − S‖²_F = Σₖ‖xₖ‖⁴ − n‖S‖²_F) and δ = ‖S − μI‖²_F.
    /// </summary>
    private static double LedoitWolf(Tensor s, double fourth, long n, double mu)
    {
        long d = s.shape[0];
        double delta = (s - eye(d, dtype: s.dtype, device: s.device) * mu).square().sum().item<double>();
        double beta = (fourth - n * s.square().sum().item<double>()) / ((double)n * n);
        return delta > 0 ? Math.Clamp(beta / delta, 0, 1) : 1;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Mean.Dispose();
            Weight.Dispose();
        }
        base.Dispose(disposing);
    }
}
