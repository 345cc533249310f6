using System;
using Nice.MLNet.Flow;

namespace Nice.MLNet.Anomaly;

/// <summary>
/// Turns a row's log-likelihood (nats) and, for the complexity score, its values into the anomaly score of
/// <see cref="Kind"/>. Knows the model only by its dimension D and dequantization levels L (for bits/dim).
/// </summary>
internal sealed class AnomalyScorer
{
    private readonly int dimension;
    private readonly int levels;

    public AnomalyScorer(int dimension, int levels, NiceAnomalyScore kind, InputComplexity? complexity)
    {
        if (kind == NiceAnomalyScore.InputComplexity && complexity is null)
            throw new ArgumentException("The input-complexity score needs its compressor settings.",
                nameof(complexity));
        this.dimension = dimension;
        this.levels = levels;
        Kind = kind;
        Complexity = complexity;
    }

    /// <summary>A scorer for <paramref name="model"/>.</summary>
    public static AnomalyScorer For(NiceTransformer model, NiceAnomalyScore kind, InputComplexity? complexity)
        => new(model.Dimension, model.DequantizationLevels, kind, complexity);

    public NiceAnomalyScore Kind { get; }
    public InputComplexity? Complexity { get; }

    /// <summary>
    /// The score of one row. A row the flow cannot score (NaN or infinite values: its log-likelihood is NaN) is outside
    /// the model's support and gets +∞, so it is always flagged.
    /// </summary>
    public float Score(float logLikelihood, ReadOnlySpan<float> row)
    {
        if (float.IsNaN(logLikelihood)) return float.PositiveInfinity;
        return Kind switch
        {
            NiceAnomalyScore.Nll => -logLikelihood,
            NiceAnomalyScore.BitsPerDim => (float)Units.BitsPerDim(logLikelihood, dimension, levels),
            _ => Complexity!.Score(logLikelihood, row),
        };
    }

    /// <summary>
    /// Scores the first <paramref name="rows"/> rows of <paramref name="features"/> (row-major) through
    /// <paramref name="model"/>'s flow into <paramref name="scores"/>.
    /// </summary>
    public void Score(NiceTransformer model, ReadOnlySpan<float> features, int rows, Span<float> scores)
    {
        var ll = new float[rows];
        model.Scorer.Score(features, rows, null, ll);
        for (int r = 0; r < rows; r++) scores[r] = Score(ll[r], features.Slice(r * dimension, dimension));
    }
}
