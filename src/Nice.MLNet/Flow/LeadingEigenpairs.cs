using System;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// The leading eigenpairs of a symmetric positive semi-definite matrix S [D, D] (float64), for the low-rank whitening's
/// fit, which needs only S's K leading eigenpairs and its trace. A full eigendecomposition costs O(D³) whatever K is:
/// 65.7 s at D = 6,656 on one core of the 2-vCPU Xeon this repository is measured on, where the 18 steps below (S·Q
/// with 384 columns, a QR, a Rayleigh–Ritz each) take 16.6 s on the grid features of a Fashion-MNIST class (the
/// benchmark's <c>eigen-check</c>). So when D is large and K small, <see cref="Compute"/> uses shifted subspace
/// iteration with Rayleigh–Ritz (Saad, <i>Numerical Methods for Large Eigenvalue Problems</i>, 2011, §5.1): a block Q
/// of b = K + max(K / 2, 16) orthonormal columns (a fixed random start), Z = S Q; the Ritz pairs (θᵢ, xᵢ) of S on span
/// Q from the eigenpairs of Qᵀ Z; then Q ← orth(Z − τ Q) with τ = θ_b / 2 (θ_b the smallest Ritz value), a shift that
/// maps the unwanted part of the spectrum, [0, λ_b+1], into [−τ, λ_b+1 − τ] while λᵢ becomes λᵢ − τ, so the leading
/// pairs converge faster (by max(τ, λ_b+1 − τ) / (λᵢ − τ) a step instead of λ_b+1 / λᵢ; θ_b ≤ λ_b keeps that below 1).
/// It stops when each of the <c>converge</c> leading pairs has a residual ‖S xᵢ − θᵢ xᵢ‖ ≤ <see cref="Tolerance"/> ·
/// θᵢ; after 2D / b steps without that (S's spectrum has no gap past the k-th value), it takes the exact
/// eigendecomposition instead, so the result is always the leading eigenpairs to that accuracy, only sooner when the
/// spectrum allows.
/// </summary>
internal static class LeadingEigenpairs
{
    /// <summary>The relative residual at which a Ritz pair counts as converged: 10⁻⁶.</summary>
    public const double Tolerance = 1e-6;

    /// <summary>
    /// Subspace iteration is used from this dimension on (and when b ≤ D / 4); below it, an eigendecomposition takes
    /// under a quarter of a second.
    /// </summary>
    public const int MinDimension = 1024;

    /// <summary>
    /// S's <paramref name="width"/> leading eigenvalues (descending) and eigenvectors [D, width]; the
    /// <paramref name="converge"/> leading ones to <see cref="Tolerance"/> (the others are orthonormal Ritz vectors
    /// of S). Iterations: the subspace iteration's steps, 0 when the exact eigendecomposition was taken.
    /// </summary>
    public static (Tensor Values, Tensor Vectors, int Iterations) Compute(Tensor s, int width, int converge)
    {
        long d = s.shape[0];
        int block = width + Math.Max(width / 2, 16);
        if (d >= MinDimension && block <= d / 4 && Iterate(s, width, converge, block) is { } found)
            return found;
        var (values, vectors) = linalg.eigh(s);                       // ascending
        return (values.narrow(0, d - width, width).flip(0), vectors.narrow(1, d - width, width).flip(1), 0);
    }

    private static (Tensor Values, Tensor Vectors, int Iterations)? Iterate(Tensor s, int width, int converge,
        int block)
    {
        long d = s.shape[0];
        var q = linalg.qr(RandomStart(d, block, s.device)).Q;
        int steps = (int)(2 * d / block);
        for (int step = 1; step <= steps; step++)
            using (NewDisposeScope())
            {
                var z = s.mm(q);
                var h = q.t().mm(z);
                var (ascending, u) = linalg.eigh((h + h.t()) / 2);
                var theta = ascending.flip(0);
                u = u.flip(1);
                var vectors = q.mm(u.narrow(1, 0, width));                  // the Ritz vectors xᵢ
                var leadTheta = theta.narrow(0, 0, converge);
                var residual = (z.mm(u.narrow(1, 0, converge)) - vectors.narrow(1, 0, converge) * leadTheta).norm(0);
                if (leadTheta.min().item<double>() > 0
                    && residual.div(leadTheta).max().item<double>() <= Tolerance)
                    return (theta.narrow(0, 0, width).MoveToOuterDisposeScope(), vectors.MoveToOuterDisposeScope(),
                        step);
                double shift = Math.Max(theta[block - 1].item<double>(), 0) / 2;
                var next = linalg.qr(z - q * shift).Q.MoveToOuterDisposeScope();
                q.Dispose();
                q = next;
            }
        return null;
    }

    /// <summary>
    /// A fixed standard-normal block [rows, columns] (float64, seed 17), drawn on the CPU, where its generator lives,
    /// and moved to <paramref name="device"/>: the same start on every device and in every run.
    /// </summary>
    public static Tensor RandomStart(long rows, long columns, Device device)
    {
        using var generator = new Generator(17);
        return randn(new long[] { rows, columns }, dtype: ScalarType.Float64, generator: generator).to(device);
    }
}
