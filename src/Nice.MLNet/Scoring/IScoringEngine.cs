using System;

namespace Nice.MLNet.Scoring;

/// <summary>
/// Batched, gradient-free scoring of raw input rows: latent h = f(x) and log p(x) in nats (the contract of
/// <see cref="Flow.FlowScorer"/>). A row with NaN or infinity is scored as zeros and gets NaN outputs, without touching
/// the other rows; a finite row whose values overflow float32 inside the flow is scored again in float64, so its
/// log-likelihood is a number or −∞, never NaN. Safe to call from several threads.
/// </summary>
internal interface IScoringEngine : IDisposable
{
    /// <summary>The engine (never <see cref="NiceScoringEngine.Auto"/>).</summary>
    NiceScoringEngine Kind { get; }

    /// <summary>Scores the first <paramref name="rows"/> rows of <paramref name="input"/> (row-major, rows ×
    /// D).</summary>
    /// <param name="input">Raw input values, at least rows × D.</param>
    /// <param name="rows">Rows to score.</param>
    /// <param name="latent">Receives h = f(x) (rows × D), or null when not wanted.</param>
    /// <param name="logLikelihood">Receives log p(x) per row in nats, or null when not wanted.</param>
    void Score(ReadOnlySpan<float> input, int rows, float[]? latent, float[]? logLikelihood);
}
