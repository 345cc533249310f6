using System;
using System.Collections.Generic;

namespace Nice.MLNet.Anomaly;

/// <summary>Turns a row's log-likelihood (nats) and, for the complexity score, its values into the anomaly score of <see cref="Kind"/>.</summary>
internal sealed class AnomalyScorer
{
    private readonly NiceTransformer model;

    public AnomalyScorer(NiceTransformer model, NiceAnomalyScore kind, InputComplexity? complexity)
    {
        if (kind == NiceAnomalyScore.InputComplexity && complexity is null)
            throw new ArgumentException("The input-complexity score needs its compressor settings.", nameof(complexity));
        this.model = model;
        Kind = kind;
        Complexity = complexity;
    }

    public NiceAnomalyScore Kind { get; }
    public InputComplexity? Complexity { get; }

    /// <summary>True when <see cref="Score(float, ReadOnlySpan{float})"/> reads the row's values (not only its log-likelihood).</summary>
    public bool NeedsFeatures => Kind == NiceAnomalyScore.InputComplexity;

    public float Score(float logLikelihood, ReadOnlySpan<float> row)
    {
        if (float.IsNaN(logLikelihood)) return float.NaN;
        return Kind switch
        {
            NiceAnomalyScore.Nll => -logLikelihood,
            NiceAnomalyScore.BitsPerDim => (float)model.BitsPerDim(logLikelihood),
            _ => Complexity!.Score(logLikelihood, row),
        };
    }

    /// <summary>Scores rows in batches through the model.</summary>
    public float[] Score(IReadOnlyList<float[]> rows)
    {
        var ll = model.LogLikelihood(rows);
        var scores = new float[rows.Count];
        for (int i = 0; i < scores.Length; i++) scores[i] = Score(ll[i], rows[i]);
        return scores;
    }
}
