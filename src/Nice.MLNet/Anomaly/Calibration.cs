using System;
using System.Collections.Generic;
using Microsoft.ML;
using Nice.MLNet.Mapping;

namespace Nice.MLNet.Anomaly;

/// <summary>
/// The passes over data a detector needs besides training: the value range for the complexity coder, and scores for the
/// threshold.
/// </summary>
internal static class Calibration
{
    /// <summary>
    /// The complexity coder for <paramref name="model"/>: its quantization grid when it dequantizes (levels k as
    /// bytes), otherwise 256 levels spanning the [min, max] of <paramref name="data"/>'s feature values.
    /// </summary>
    public static InputComplexity Complexity(NiceTransformer model, NiceComplexityCompressor compressor, int imageWidth,
        IDataView data, string featureColumn)
    {
        if (imageWidth > 0 && model.Dimension % imageWidth != 0)
            throw new ArgumentException($"ImageWidth {imageWidth} does not divide the feature size D = " +
                $"{model.Dimension}; " +
                "give the width of the row-major image, or 0.", nameof(imageWidth));
        if (model.Dequantization is { } dq)
            return new InputComplexity(dq.Levels, dq.Step, dq.Offset, compressor, imageWidth, dq.Levels);
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        var (column, d) = InputColumn.Find(data.Schema, featureColumn, model.Dimension);
        foreach (var (rows, count) in FeatureBatches.Read(data, column, d, model.ScoringBatchSize))
            foreach (var v in rows.AsSpan(0, count * d))
                if (float.IsFinite(v)) { min = Math.Min(min, v); max = Math.Max(max, v); }
        if (!float.IsFinite(min))
            throw new InvalidOperationException(
                $"Column '{featureColumn}' has no finite values to set the complexity score's quantization range.");
        double step = max > min ? (max - (double)min) / 255 : 1;
        return new InputComplexity(256, step, min, compressor, imageWidth, 0);
    }

    /// <summary>
    /// The threshold flagging a fraction ≤ <paramref name="falsePositiveRate"/> of <paramref name="normalData"/> under
    /// <paramref name="scorer"/> (the (1 − α) empirical quantile of their scores, scored in batches), and the fraction
    /// it flags.
    /// </summary>
    public static (float Threshold, double Rate) Threshold(NiceTransformer model, AnomalyScorer scorer,
        IDataView normalData, string featureColumn, double falsePositiveRate)
    {
        var scores = Scores(model, scorer, normalData, featureColumn);
        float threshold = ThresholdCalibration.ForFalsePositiveRate(scores, falsePositiveRate);
        return (threshold, ThresholdCalibration.Rate(scores, threshold));
    }

    /// <summary>
    /// The score of every row with finite values, in batches of the model's scoring batch size. Rows with NaN or
    /// infinity are left out: they are flagged whatever the threshold (their score is +∞), so they say nothing about
    /// it.
    /// </summary>
    public static float[] Scores(NiceTransformer model, AnomalyScorer scorer, IDataView data, string featureColumn)
    {
        var (column, d) = InputColumn.Find(data.Schema, featureColumn, model.Dimension);
        var scores = new List<float>();
        var batch = new float[model.ScoringBatchSize];
        foreach (var (rows, count) in FeatureBatches.Read(data, column, d, model.ScoringBatchSize))
        {
            scorer.Score(model, rows.AsSpan(0, count * d), count, batch);
            for (int r = 0; r < count; r++)
                if (AllFinite(rows.AsSpan(r * d, d))) scores.Add(batch[r]);
        }
        return scores.ToArray();
    }

    private static bool AllFinite(ReadOnlySpan<float> row)
    {
        foreach (var v in row)
            if (!float.IsFinite(v)) return false;
        return true;
    }
}
