using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// A flow on the R leading principal coordinates of whitened rows and the length of their residual (design doc
/// docs/image-features-design.md §15, "the radius flow"). For a whitened row u ∈ ℝᴰ and an orthonormal basis B [D, R]:
/// z = uB, r = u − zBᵀ, t = log‖r‖. The couplings and a diagonal scaling act on v = (z, τ), τ = (t − c)/σₜ (the data's
/// shift and scale of t, <see cref="SetRadiusScale"/>), giving v' = (z', τ'); then t' = c_χ + σ_χ τ' with c_χ, σ_χ the
/// mean and standard deviation of log ρ for ρ ~ χ_m (m = D − R, the residual's dimension), and
/// u' = z'Bᵀ + r·exp(t' − t): the residual keeps its direction and takes the new length. In spherical coordinates of
/// the residual, du = ρ^(m−1) dz dρ dθ = ρᵐ dz dt dθ, so
/// log|det ∂u'/∂u| = log|det ∂v'/∂v| + log σ_χ − log σₜ + m(t' − t). Under the standard normal prior on u' the density
/// is exact; with c = c_χ, σₜ = σ_χ and the inner layers at the identity the step is the identity. Knows nothing of
/// ML.NET. <see cref="NiceFlow"/> builds it for <see cref="FlowConfig.Radial"/>; the ONNX graphs are
/// <c>FlowGraph.RadialForward</c> / <c>RadialInverse</c> (format 1.6).
/// </summary>
internal sealed class RadialStep : FlowLayer
{
    private readonly ModuleList<FlowLayer> inner;
    private readonly DiagonalScaling scaling;

    public RadialStep(int dimension, int rank, int couplings, int hiddenLayers, int width, NiceActivation activation)
        : base(nameof(RadialStep))
    {
        if (rank < 1 || rank > dimension - 2)
            throw new ArgumentOutOfRangeException(nameof(rank), rank,
                $"The radial step's rank must be in [1, D − 2 = {dimension - 2}] (the residual needs 2 dimensions).");
        Dimension = dimension;
        Rank = rank;
        inner = new ModuleList<FlowLayer>();
        for (int k = 0; k < couplings; k++)
            inner.Add(new AdditiveCoupling(Partition.For(NicePartition.Interleaved, rank + 1, k), hiddenLayers, width,
                activation));
        scaling = new DiagonalScaling(rank + 1);
        register_buffer("basis", eye(dimension).narrow(1, 0, rank).contiguous(), persistent: true);
        // [c, σₜ, c_χ, σ_χ]: the data's shift and scale of t (at first c_χ and σ_χ, so the step starts as the
        // identity), then the χ constants, kept beside them so both are in the layer's precision.
        var (mean, sd) = LogChi(dimension - rank);
        register_buffer("radius", tensor(new[] { (float)mean, (float)sd, (float)mean, (float)sd }), persistent: true);
        RegisterComponents();
    }

    public int Dimension { get; }

    /// <summary>R, the number of leading coordinates the couplings see (they see R + 1 numbers).</summary>
    public int Rank { get; }

    /// <summary>m = D − R, the dimension of the residual.</summary>
    public int ResidualDimension => Dimension - Rank;

    /// <summary>B [D, R], orthonormal columns.</summary>
    public Tensor Basis => get_buffer("basis")!;

    /// <summary>[c, σₜ, c_χ, σ_χ]: the shift and scale that standardize t = log‖r‖ for the couplings, and the mean and
    /// standard deviation of log ρ for ρ ~ χ_m (<see cref="LogChi"/>).</summary>
    public Tensor RadiusScale => get_buffer("radius")!;

    /// <summary>The inner layers (couplings, then the scaling), bottom first.</summary>
    public IEnumerable<FlowLayer> InnerLayers => inner.Append<FlowLayer>(scaling);

    /// <summary>
    /// The mean and standard deviation of log ρ for ρ ~ χ with <paramref name="m"/> degrees of freedom:
    /// ½(ψ(m/2) + log 2) and ½√ψ′(m/2), by the digamma and trigamma asymptotic series (m ≥ 2).
    /// </summary>
    public static (double Mean, double Sd) LogChi(int m)
    {
        double x = m / 2.0, shift = 0, shiftPrime = 0;
        // Recurrence up to x ≥ 16, where the asymptotic series' first omitted terms are below 1e-12.
        while (x < 16)
        {
            shift -= 1 / x;
            shiftPrime += 1 / (x * x);
            x += 1;
        }
        double x2 = 1 / (x * x);
        double digamma = Math.Log(x) - 0.5 / x - x2 * (1.0 / 12 - x2 * (1.0 / 120 - x2 / 252));
        double trigamma = 1 / x + 0.5 * x2 + x2 / x * (1.0 / 6 - x2 * (1.0 / 30 - x2 / 42));
        return (0.5 * (digamma + shift + Math.Log(2)), 0.5 * Math.Sqrt(trigamma + shiftPrime));
    }

    /// <summary>Sets B (row-major [D, R], orthonormal columns).</summary>
    public void SetBasis(Tensor basis)
    {
        if (!basis.shape.SequenceEqual(new long[] { Dimension, Rank }))
            throw new ArgumentException($"The radial step's basis must be [{Dimension}, {Rank}], got " +
                $"[{string.Join(", ", basis.shape)}].", nameof(basis));
        using var _ = no_grad();
        Basis.copy_(basis);
    }

    /// <summary>Sets (c, σₜ), the shift and scale of t = log‖r‖ (σₜ &gt; 0).</summary>
    public void SetRadiusScale(double shift, double scale)
    {
        if (!(scale > 0) || !double.IsFinite(shift) || !double.IsFinite(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The radius scale must be finite and > 0.");
        using var _ = no_grad();
        RadiusScale[0] = shift;
        RadiusScale[1] = scale;
    }

    /// <summary>Copies the fixed basis and radius constants of another radial step of the same shape.</summary>
    public void CopyFrom(RadialStep other)
    {
        if (other.Dimension != Dimension || other.Rank != Rank)
            throw new ArgumentException($"Cannot copy a radial step of D = {other.Dimension}, R = {other.Rank} into "
                + $"one of D = {Dimension}, R = {Rank}.", nameof(other));
        using var _ = no_grad();
        Basis.copy_(other.Basis);
        RadiusScale.copy_(other.RadiusScale);
    }

    public override (Tensor Y, Tensor LogDet) Forward(Tensor u)
    {
        var (z, r, t) = Split(u);
        var (c, sd) = (RadiusScale[0], RadiusScale[1]);
        var v = cat(new[] { z, ((t - c) / sd).unsqueeze(1) }, 1);
        var logDet = zeros(u.shape[0], dtype: u.dtype, device: u.device);
        foreach (var layer in InnerLayers)
        {
            var (next, ld) = layer.Forward(v);
            v = next;
            logDet = logDet + ld;
        }
        var (chiMean, chiSd) = (RadiusScale[2], RadiusScale[3]);
        var tNew = v[.., Rank] * chiSd + chiMean;
        var y = v[.., ..Rank].mm(Basis.t()) + r * (tNew - t).exp().unsqueeze(1);
        return (y, logDet + chiSd.log() - sd.log() + ResidualDimension * (tNew - t));
    }

    public override Tensor Inverse(Tensor y)
    {
        var (z, r, t) = Split(y);
        var (chiMean, chiSd) = (RadiusScale[2], RadiusScale[3]);
        var v = cat(new[] { z, ((t - chiMean) / chiSd).unsqueeze(1) }, 1);
        foreach (var layer in InnerLayers.Reverse()) v = layer.Inverse(v);
        var tOld = v[.., Rank] * RadiusScale[1] + RadiusScale[0];
        return v[.., ..Rank].mm(Basis.t()) + r * (tOld - t).exp().unsqueeze(1);
    }

    /// <summary>z = uB, the residual r = u − zBᵀ and t = log‖r‖ (‖r‖² from ‖u‖² − ‖z‖² would lose digits when the
    /// residual is small, so r is formed).</summary>
    public (Tensor Z, Tensor R, Tensor T) Split(Tensor u)
    {
        var z = u.mm(Basis);
        var r = u - z.mm(Basis.t());
        return (z, r, 0.5 * r.square().sum(1).log());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var l in inner) l.Dispose();
            scaling.Dispose();
            Basis.Dispose();
            RadiusScale.Dispose();
        }
        base.Dispose(disposing);
    }
}
