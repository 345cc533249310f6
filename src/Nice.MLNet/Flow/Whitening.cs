using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// A fixed affine map y = W(x − μ), log|det J| = log|det W|, set once from the training rows (data-dependent, not
/// trained: μ and W are persistent buffers, not parameters). <see cref="NiceWhitening.Diagonal"/>: W = diag(1/σ),
/// "weight" is [D]. <see cref="NiceWhitening.Full"/>: W = L⁻¹, lower triangular with a positive diagonal, where
/// L L<sup>T</sup> = Σ = (1 − α) S + α (tr S / D) I is the sample covariance S shrunk toward a scaled identity with the
/// Ledoit–Wolf (2004) weight α = min(1, Σₖ‖xₖxₖ<sup>T</sup> − S‖²_F / n² / ‖S − (tr S / D) I‖²_F) (or a fixed α);
/// "weight" is [D, D]. Full with a rank K (the low-rank form): Σ is the probabilistic-PCA covariance
/// Σ = Vₖ Λₖ Vₖ<sup>T</sup> + σ² (I − Vₖ Vₖ<sup>T</sup>) (Tipping &amp; Bishop 1999: S's k leading eigenpairs kept, σ²
/// the mean of its other D − k eigenvalues, k = <see cref="EffectiveRank"/>), whitened by its symmetric inverse square
/// root W = Σ^(−½) = s I + V diag(g) V<sup>T</sup> with s = 1/σ, V [D, K] S's K leading eigenvectors ("basis") and
/// gᵢ = λᵢ^(−½) − 1/σ ("gain"; 0 for the K − k directions past the effective rank), "weight" = [s]. It stores D·K
/// values instead of D², costs 2·D·K multiply-adds a row instead of D², and inverts in closed form:
/// W⁻¹ = σ I + V diag(1/(s + gᵢ) − σ) V<sup>T</sup>, log|det W| = Σᵢ log(s + gᵢ) + (D − K) log s. Under the standard
/// Gaussian prior with nothing above it, the flow is then the Gaussian N(μ, Σ) exactly. The inverse of the triangular
/// form is x = W⁻¹ y + μ (a triangular solve). Starts as the identity (μ = 0, W = I).
/// </summary>
internal sealed class Whitening : FlowLayer
{
    public Whitening(int dimension, NiceWhitening kind, int rank = 0) : base(nameof(Whitening))
    {
        if (kind is not (NiceWhitening.Diagonal or NiceWhitening.Full))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Whitening must be Diagonal or Full.");
        if (rank != 0 && (kind != NiceWhitening.Full || rank < 1 || rank >= dimension))
            throw new ArgumentOutOfRangeException(nameof(rank), rank,
                $"A rank needs Full whitening and must be in [1, D − 1 = {dimension - 1}] (0 = none).");
        Kind = kind;
        Dimension = dimension;
        BasisRank = rank;
        register_buffer("mean", zeros(dimension), persistent: true);
        register_buffer("weight", kind == NiceWhitening.Full && rank == 0 ? eye(dimension) : ones(WeightShape),
            persistent: true);
        if (rank > 0)
        {
            // Any orthonormal basis with zero gains is the identity.
            register_buffer("basis", eye(dimension).narrow(1, 0, rank).contiguous(), persistent: true);
            register_buffer("gain", zeros(rank), persistent: true);
        }
    }

    public NiceWhitening Kind { get; }

    public int Dimension { get; }

    /// <summary>K, the width of the low-rank form's basis (0: the triangular or diagonal form).</summary>
    public int BasisRank { get; }

    /// <summary>The shape of "weight": [1] (low-rank), [D, D] (full) or [D] (diagonal).</summary>
    public long[] WeightShape => WhiteningValues.WeightShape(Kind, Dimension, BasisRank);

    /// <summary>μ (the module's own buffer, [D]).</summary>
    public Tensor Mean => get_buffer("mean")!;

    /// <summary>W (the module's own buffer): L⁻¹ [D, D], the diagonal 1/σ [D], or the low-rank form's scale s
    /// [1].</summary>
    public Tensor Weight => get_buffer("weight")!;

    /// <summary>The low-rank form's V [D, K] (null otherwise).</summary>
    public Tensor? Basis => BasisRank > 0 ? get_buffer("basis") : null;

    /// <summary>The low-rank form's g [K] (null otherwise).</summary>
    public Tensor? Gain => BasisRank > 0 ? get_buffer("gain") : null;

    /// <summary>The shrinkage α used by the last <see cref="FitFrom"/> (0 for diagonal whitening).</summary>
    public double Shrinkage { get; private set; }

    public override (Tensor Y, Tensor LogDet) Forward(Tensor x)
    {
        var w = Weight;
        var centred = x - Mean;
        if (BasisRank > 0)
        {
            // y = s (x − μ) + ((x − μ) V ⊙ g) Vᵀ (W is symmetric).
            var v = Basis!;
            var g = Gain!;
            var logDet = (w + g).log().sum() + w.log().sum() * (Dimension - BasisRank);
            return (centred * w + centred.mm(v).mul(g).mm(v.t()), logDet.expand(x.shape[0]));
        }
        return Kind == NiceWhitening.Full
            ? (centred.mm(w.t()), w.diagonal().log().sum().expand(x.shape[0]))
            : (centred * w, w.log().sum().expand(x.shape[0]));
    }

    public override Tensor Inverse(Tensor y)
    {
        if (BasisRank > 0)
        {
            // x − μ = y / s + (y V ⊙ (1/(s + g) − 1/s)) Vᵀ.
            var (w, v, g) = (Weight, Basis!, Gain!);
            return y / w + y.mm(v).mul((w + g).reciprocal() - w.reciprocal()).mm(v.t()) + Mean;
        }
        return (Kind == NiceWhitening.Full
            ? linalg.solve_triangular(Weight.t(), y, upper: true, left: false)   // rows: X Wᵀ = Y
            : y / Weight) + Mean;
    }

    /// <summary>
    /// Replaces μ and W (row-major). Throws <see cref="ArgumentException"/> unless they have the layer's shapes and
    /// pass <see cref="WhiteningValues.Check"/>.
    /// </summary>
    public void Set(WhiteningParts parts)
    {
        WhiteningValues.Check(Kind, Dimension, BasisRank, parts);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Mean.copy_(tensor(parts.Mean));
        Weight.copy_(tensor(parts.Weight, WeightShape));
        if (BasisRank > 0)
        {
            Basis!.copy_(tensor(parts.Basis!, new long[] { Dimension, BasisRank }));
            Gain!.copy_(tensor(parts.Gain!));
        }
    }

    /// <summary>Replaces μ and W of the triangular or diagonal form (<see cref="Set(WhiteningParts)"/>).</summary>
    public void Set(float[] meanValues, float[] weightValues) => Set(new WhiteningParts(meanValues, weightValues));

    /// <summary>Copies μ, W and α from another whitening of the same kind, dimension and rank.</summary>
    public void CopyFrom(Whitening other)
    {
        if (other.Kind != Kind || other.Dimension != Dimension || other.BasisRank != BasisRank)
            throw new ArgumentException($"Cannot copy a {other.Kind} whitening of D = {other.Dimension}, rank "
                + $"{other.BasisRank} into a {Kind} one of D = {Dimension}, rank {BasisRank}.");
        using var _ = no_grad();
        Mean.copy_(other.Mean);
        Weight.copy_(other.Weight);
        if (BasisRank > 0)
        {
            Basis!.copy_(other.Basis!);
            Gain!.copy_(other.Gain!);
        }
        Shrinkage = other.Shrinkage;
        Rank = other.Rank;
        EigenIterations = other.EigenIterations;
    }

    /// <summary>
    /// Sets μ and W from training rows in flow space. <paramref name="pass"/> enumerates them as [n, D] batches (each
    /// disposed here); it is called twice (the mean, then the centred moments) and must give the same rows both times.
    /// The moments are accumulated in float64. <paramref name="shrinkage"/>: a fixed α in [0, 1], or null for
    /// Ledoit–Wolf (the triangular form; the low-rank form uses none). Throws <see cref="InvalidOperationException"/>
    /// when there are fewer than two rows, every feature is constant, or the covariance is not positive definite (a
    /// fixed α of 0 on singular data).
    /// </summary>
    public void FitFrom(Func<IEnumerable<Tensor>> pass, double? shrinkage)
    {
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
        // The low-rank form with few rows keeps the centred rows C instead (n × D) and takes S's eigenpairs from the
        // n × n matrix C Cᵀ / n (DualRowLimit).
        bool dual = BasisRank > 0 && n <= d / DualRowLimit;
        var rows = new List<Tensor>();
        foreach (var batch in pass())
            using (batch)
            using (NewDisposeScope())
            {
                var c = batch.to(ScalarType.Float64) - mu;
                if (dual)
                {
                    rows.Add(c.MoveToOuterDisposeScope());
                    continue;
                }
                var cc = Kind == NiceWhitening.Full ? c.t().mm(c) : c.square().sum(new long[] { 0 });
                if (outerSum is null) outerSum = cc.MoveToOuterDisposeScope();
                else outerSum.add_(cc);
                if (BasisRank == 0) fourth += c.square().sum(1).square().sum().item<double>();
            }
        var centred = dual ? cat(rows, 0) : null;
        var cov = dual ? null : outerSum! / n;
        double meanVariance = dual ? centred!.square().sum().item<double>() / n / d
            : (Kind == NiceWhitening.Full ? cov!.diagonal() : cov!).mean().item<double>();
        if (!(meanVariance > 0) || !double.IsFinite(meanVariance))
            throw new InvalidOperationException(
                $"Whitening: the {n} training rows have no variance (mean variance {meanVariance}).");
        using var _ = no_grad();
        Mean.copy_(mu);
        Shrinkage = 0;
        Rank = 0;
        EigenIterations = 0;
        if (Kind == NiceWhitening.Diagonal)
        {
            Weight.copy_(cov!.clamp_min(1e-12 * meanVariance).rsqrt());
            return;
        }
        if (BasisRank > 0)
        {
            Rank = EffectiveRank(BasisRank, d, n);
            var (scale, basis, gain, iterations) = dual
                ? CovarianceEstimates.ProbabilisticPcaFromRows(centred!, BasisRank, Rank, meanVariance)
                : CovarianceEstimates.ProbabilisticPca(cov!, BasisRank, Rank, meanVariance);
            EigenIterations = iterations;
            Weight.fill_(scale);
            Basis!.copy_(basis);
            Gain!.copy_(gain);
            return;
        }
        var identity = eye(d, dtype: ScalarType.Float64, device: cov!.device);
        double alpha = shrinkage ?? CovarianceEstimates.LedoitWolf(cov!, fourth, n, meanVariance);
        Shrinkage = alpha;
        var (l, info) = linalg.cholesky_ex(cov! * (1 - alpha) + identity * (alpha * meanVariance));
        if (info.item<int>() != 0)
            throw new InvalidOperationException($"Whitening: the covariance of the {n} training rows shrunk with "
                + $"α = {alpha} is not positive definite (D = {d}); use Ledoit–Wolf shrinkage or a larger α.");
        Weight.copy_(linalg.solve_triangular(l, identity, upper: false).tril());
    }

    /// <summary>The rank used for a requested rank k: min(k, D − 1, ⌊n / 10⌋), at least 1 (each kept direction's
    /// variance is estimated from the rows: at least ten rows per kept direction).</summary>
    public static int EffectiveRank(int k, int d, long n) => (int)Math.Max(1, Math.Min(Math.Min(k, d - 1), n / 10));

    /// <summary>The rank k of the last <see cref="FitFrom"/> of the low-rank form (0 otherwise).</summary>
    public int Rank { get; private set; }

    /// <summary>
    /// The subspace-iteration steps the last <see cref="FitFrom"/> of the low-rank form took for S's leading
    /// eigenpairs (<see cref="LeadingEigenpairs"/>); 0 when it took an exact eigendecomposition (of S, or of the
    /// n × n matrix for few rows).
    /// </summary>
    public int EigenIterations { get; private set; }

    /// <summary>
    /// The low-rank form takes S's eigenpairs from the rows
    /// (<see cref="CovarianceEstimates.ProbabilisticPcaFromRows"/>) when there are at most D / 4 of them: an
    /// eigendecomposition of n × n instead of D × D, at least 64 times less work.
    /// </summary>
    public const int DualRowLimit = 4;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Mean.Dispose();
            Weight.Dispose();
            Basis?.Dispose();
            Gain?.Dispose();
        }
        base.Dispose(disposing);
    }
}
