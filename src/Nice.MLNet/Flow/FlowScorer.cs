using System;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// Batched, gradient-free scoring of raw input rows: latent h = f(x) and log p(x) in nats. Rows with NaN/infinity get
/// NaN outputs and do not touch the other rows. A finite row whose values overflow float32 inside the flow (e.g. a cell
/// of 3·10³⁸) is scored again in float64, so its log-likelihood is a number or −∞ (a density too small for float32),
/// never NaN. Safe to call from several threads (one dispose scope per call).
/// </summary>
internal sealed class FlowScorer : IDisposable
{
    private readonly NiceFlow flow;
    private readonly Dequantization? dequantization;
    private readonly object wideLock = new();
    private NiceFlow? wide;

    public FlowScorer(NiceFlow flow, Dequantization? dequantization)
    {
        this.flow = flow;
        this.dequantization = dequantization;
    }

    public int Dimension => flow.Dimension;

    /// <summary>Scores the first <paramref name="rows"/> rows of <paramref name="input"/>.</summary>
    /// <param name="input">Row-major raw input values, at least rows × D.</param>
    /// <param name="rows">Rows to score.</param>
    /// <param name="latent">Receives h = f(x) (rows × D), or null when not wanted.</param>
    /// <param name="logLikelihood">Receives log p(x) per row in nats, or null when not wanted.</param>
    /// <param name="noise">
    /// Null: dequantize at the bin's centre (deterministic scoring). A generator: u ~ U(0,1) from it (the literature's
    /// evaluation convention).
    /// </param>
    /// <param name="member">
    /// Null: the flow's density. An ensemble member's index: that member's density alone
    /// (<see cref="NiceFlow.EncodeMember"/>; what scores the rows of its fold out of fold).
    /// </param>
    public void Score(ReadOnlySpan<float> input, int rows, float[]? latent, float[]? logLikelihood,
        Generator? noise = null, int? member = null)
    {
        if (rows == 0 || latent is null && logLikelihood is null) return;
        int d = Dimension;
        var found = NonFiniteRows.Find(input, rows, d);
        bool anyBad = found != null;
        var bad = found ?? new bool[rows];
        long[] overflow;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var x = ToFlowSpace(input, rows, bad, anyBad, noise);
            var (z, ll) = Encode(flow, x, member);
            if (logLikelihood != null) ll.cpu().data<float>().CopyTo(logLikelihood, 0);
            if (latent != null) z.cpu().data<float>().CopyTo(latent, 0);
            overflow = ll.isfinite().logical_not().logical_or(z.isfinite().all(1).logical_not())
                .nonzero().squeeze(1).cpu().data<long>().ToArray();
        }
        if (overflow.Length > 0) Widen(input, rows, bad, anyBad, noise, member, overflow, latent, logLikelihood);
        if (anyBad) NonFiniteRows.MarkNaN(bad, d, latent, logLikelihood);
    }

    /// <summary>The rows as a flow-space tensor on the flow's device; non-finite rows are zeroed (scored
    /// apart).</summary>
    private Tensor ToFlowSpace(ReadOnlySpan<float> input, int rows, bool[] bad, bool anyBad, Generator? noise)
    {
        int d = Dimension;
        var raw = HostTensors.FromRows(input[..(rows * d)], rows, d);
        if (anyBad)
            for (int r = 0; r < rows; r++)
                if (bad[r]) raw[r].zero_();
        var x = dequantization is null ? raw : dequantization.ToFlow(raw, noise: noise != null, noise);
        return x.device == flow.Device ? x : x.to(flow.Device);
    }

    /// <summary>
    /// The <paramref name="rows"/> whose float32 result is not finite, computed again in float64 and cast back: values
    /// beyond float32's range become ±∞ instead of NaN, and a log-likelihood that is still undefined becomes −∞.
    /// Dequantization noise, when asked for, is drawn again for these rows only.
    /// </summary>
    private void Widen(ReadOnlySpan<float> input, int count, bool[] bad, bool anyBad, Generator? noise, int? member,
        long[] rows, float[]? latent, float[]? logLikelihood)
    {
        var wide = Wide();   // built outside any dispose scope: its tensors must outlive this call
        int d = Dimension;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var index = tensor(rows, device: flow.Device);
        var x = ToFlowSpace(input, count, bad, anyBad, noise).index_select(0, index).to(ScalarType.Float64);
        var (z, ll) = Encode(wide, x, member);
        var lls = ll.nan_to_num(nan: double.NegativeInfinity, posinf: double.PositiveInfinity,
            neginf: double.NegativeInfinity).to(ScalarType.Float32).cpu().data<float>().ToArray();
        var zs = z.to(ScalarType.Float32).cpu().data<float>().ToArray();
        for (int k = 0; k < rows.Length; k++)
        {
            int r = (int)rows[k];
            if (logLikelihood != null) logLikelihood[r] = lls[k];
            if (latent != null) zs.AsSpan(k * d, d).CopyTo(latent.AsSpan(r * d, d));
        }
    }

    private static (Tensor Z, Tensor LogLikelihood) Encode(NiceFlow model, Tensor x, int? member)
        => member is int k ? model.EncodeMember(x, k) : model.Encode(x);

    private NiceFlow Wide()
    {
        lock (wideLock) return wide ??= flow.CopyAs(ScalarType.Float64);
    }

    /// <summary>Releases the float64 copy, if one was made (the flow itself belongs to the caller).</summary>
    public void Dispose()
    {
        lock (wideLock)
        {
            wide?.Dispose();
            wide = null;
        }
    }
}
