using System;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// Batched, gradient-free scoring of raw input rows: latent h = f(x) and log p(x) in nats. Rows with NaN/infinity get
/// NaN outputs and do not touch the other rows. Safe to call from several threads (one dispose scope per call).
/// </summary>
internal sealed class FlowScorer
{
    private readonly NiceFlow flow;
    private readonly Dequantization? dequantization;

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
    public void Score(ReadOnlySpan<float> input, int rows, float[]? latent, float[]? logLikelihood,
        Generator? noise = null)
    {
        if (rows == 0 || latent is null && logLikelihood is null) return;
        int d = Dimension;
        var bad = new bool[rows];
        bool anyBad = false;
        for (int r = 0; r < rows; r++)
            foreach (var v in input.Slice(r * d, d))
                if (!float.IsFinite(v)) { bad[r] = anyBad = true; break; }
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var raw = HostTensors.FromRows(input[..(rows * d)], rows, d);
            if (anyBad)
                for (int r = 0; r < rows; r++)
                    if (bad[r]) raw[r].zero_();
            var x = dequantization is null ? raw : dequantization.ToFlow(raw, noise: noise != null, noise);
            if (x.device != flow.Device) x = x.to(flow.Device);
            var (z, ll) = flow.Encode(x);
            if (logLikelihood != null) ll.cpu().data<float>().CopyTo(logLikelihood, 0);
            if (latent != null) z.cpu().data<float>().CopyTo(latent, 0);
        }
        if (anyBad)
            for (int r = 0; r < rows; r++)
                if (bad[r])
                {
                    if (logLikelihood != null) logLikelihood[r] = float.NaN;
                    latent?.AsSpan(r * d, d).Fill(float.NaN);
                }
    }
}
