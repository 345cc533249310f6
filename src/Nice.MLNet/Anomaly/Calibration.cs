using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Flow;
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
    public static (float Threshold, double Rate, int Rows) Threshold(NiceTransformer model, AnomalyScorer scorer,
        IDataView normalData, string featureColumn, double falsePositiveRate)
    {
        var scores = Scores(model, scorer, normalData, featureColumn);
        float threshold = ThresholdCalibration.ForFalsePositiveRate(scores, falsePositiveRate);
        return (threshold, ThresholdCalibration.Rate(scores, threshold), scores.Length);
    }

    /// <summary>
    /// The threshold of a model just fitted on <paramref name="trainingData"/>, from rows it did not train on: for an
    /// ensemble every training row scored by the member whose fold held it out; for a single flow the rows it held
    /// out; the training rows themselves only when none were held out. Returns the threshold, the fraction of those
    /// rows it flags, how many rows there were and where they came from.
    /// </summary>
    public static (float Threshold, double Rate, int Rows, NiceCalibrationSource Source) HeldOut(
        NiceTransformer model, AnomalyScorer scorer, IDataView trainingData, NiceOptions options,
        double falsePositiveRate)
    {
        var plan = model.TrainingPlan
            ?? throw new InvalidOperationException("Only a model fitted in this process knows its held-out rows.");
        var (column, d) = InputColumn.Find(trainingData.Schema, options.InputColumnName, model.Dimension);
        var source = new DataViewRowSource(trainingData, column, d, options.SkipNonFiniteRows, model.Dequantization);
        var members = model.Flow.Members;
        var scores = new List<float>();
        NiceCalibrationSource kind;
        if (members.Count > 1)
        {
            kind = NiceCalibrationSource.OutOfFold;
            // One scorer, so a row that overflows float32 makes at most one float64 copy of the model.
            using var flowScorer = new FlowScorer(model.Flow, model.Dequantization);
            ScoreRows(source, model.ScoringBatchSize, scorer, scores,
                row => Split.FoldOf(row, plan.Settings.Seed, members.Count),
                Enumerable.Range(0, members.Count)
                    .Select(k => (RowScorer)((x, n, ll) => flowScorer.Score(x, n, null, ll, member: k))).ToArray());
        }
        else
        {
            var heldOut = plan.HeldOut();
            kind = NiceCalibrationSource.Holdout;
            RowScorer[] whole = { (x, n, ll) => model.Scorer.Score(x, n, null, ll) };
            ScoreRows(source, model.ScoringBatchSize, scorer, scores, row => heldOut.Contains(row) ? 0 : -1, whole);
            if (scores.Count == 0)
            {
                kind = NiceCalibrationSource.TrainingRows;
                ScoreRows(source, model.ScoringBatchSize, scorer, scores, _ => 0, whole);
            }
        }
        var all = scores.ToArray();
        float threshold = ThresholdCalibration.ForFalsePositiveRate(all, falsePositiveRate);
        return (threshold, ThresholdCalibration.Rate(all, threshold), all.Length, kind);
    }

    /// <summary>Writes log p(x) of the first rows of a row-major batch (values, rows, log-likelihoods).</summary>
    private delegate void RowScorer(float[] values, int rows, float[] logLikelihood);

    /// <summary>
    /// Scores each row of <paramref name="source"/> with the scorer <paramref name="pick"/> names for its index (−1 =
    /// skip the row), batched per scorer, and adds the anomaly scores to <paramref name="scores"/>.
    /// </summary>
    private static void ScoreRows(IRowSource source, int batch, AnomalyScorer scorer, List<float> scores,
        Func<long, int> pick, IReadOnlyList<RowScorer> scorers)
    {
        int d = source.Dimension;
        var pending = scorers.Select(_ => new List<float>()).ToArray();
        var ll = new float[batch];
        void Flush(int k)
        {
            int rows = pending[k].Count / d;
            if (rows == 0) return;
            var values = pending[k].ToArray();
            scorers[k](values, rows, ll);
            for (int r = 0; r < rows; r++) scores.Add(scorer.Score(ll[r], values.AsSpan(r * d, d)));
            pending[k].Clear();
        }
        long row = 0;
        foreach (var values in source.ReadRows())
        {
            int k = pick(row++);
            if (k < 0) continue;
            pending[k].AddRange(values.Span);
            if (pending[k].Count == batch * d) Flush(k);
        }
        for (int k = 0; k < scorers.Count; k++) Flush(k);
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
