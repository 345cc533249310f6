using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Cli.Metrics;

/// <summary>
/// How well anomaly scores (higher = more anomalous) rank known anomalies above known normal rows, computed by ML.NET's
/// own evaluator (<c>mlContext.AnomalyDetection.Evaluate</c>: exact AUC, ties counted ½; detection rate at K false
/// positives), so every command reports the same numbers as an ML.NET user would get.
/// </summary>
public static class AnomalyRanking
{
    /// <summary>The metrics of a scored view: Score (Single), Label (Single, 1 = anomaly) and PredictedLabel
    /// columns.</summary>
    public static AnomalyDetectionMetrics Evaluate(MLContext mlContext, IDataView scored, int falsePositiveCount = 10)
        => mlContext.AnomalyDetection.Evaluate(scored, falsePositiveCount: falsePositiveCount);

    /// <summary>The metrics of two lists of scores: the normal rows' and the anomalies'.</summary>
    public static AnomalyDetectionMetrics Evaluate(MLContext mlContext, IReadOnlyCollection<float> normal,
        IReadOnlyCollection<float> anomalies, int falsePositiveCount = 10)
    {
        if (normal.Count == 0 || anomalies.Count == 0)
            throw new ArgumentException($"An AUC needs normal and anomalous rows; got {normal.Count} and "
                + $"{anomalies.Count}.");
        var rows = normal.Select(s => new Scored { Label = 0, Score = s })
            .Concat(anomalies.Select(s => new Scored { Label = 1, Score = s }));
        return Evaluate(mlContext, mlContext.Data.LoadFromEnumerable(rows), falsePositiveCount);
    }

    private sealed class Scored
    {
        public float Label { get; set; }
        public float Score { get; set; }
        public bool PredictedLabel { get; set; }
    }
}
