using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Cli.Metrics;

namespace Nice.MLNet.Cli.Bench;

/// <summary>Trains NICE (scored by raw NLL and by the input-complexity score) and ML.NET's RandomizedPca on a split and
/// measures them.</summary>
public static class AnomalyRunner
{
    public const string Nll = "NICE NLL", Complexity = "NICE complexity", Pca = "RandomizedPca";
    public static readonly string[] Methods = { Nll, Complexity, Pca };

    public static (IReadOnlyList<AnomalyResult> Results, double Seconds) Run(AnomalySplit split,
        AnomalyBenchSettings settings)
    {
        var ml = new MLContext(settings.Seed);
        var train = AnomalySplit.View(ml, split.Train);
        var test = AnomalySplit.View(ml, split.Test, split.TestLabels);
        var clock = Stopwatch.StartNew();
        var results = new List<AnomalyResult>();

        var options = new NiceAnomalyOptions { Nice = settings.Nice, Score = NiceAnomalyScore.Nll,
            ImageWidth = settings.ImageWidth };
        using (var nll = ml.AnomalyDetection.Trainers.Nice(options).Fit(train))
        using (var complexity = nll.ChangeScore(NiceAnomalyScore.InputComplexity, train))
        {
            results.Add(Measure(ml, Nll, nll.Transform(test), split.TestLabels));
            results.Add(Measure(ml, Complexity, complexity.Transform(test), split.TestLabels));
        }

        var pca = ml.AnomalyDetection.Trainers.RandomizedPca("Features", rank: settings.PcaRank, ensureZeroMean: true,
            seed: settings.Seed).Fit(train);
        results.Add(Measure(ml, Pca, pca.Transform(test), split.TestLabels));
        return (results, clock.Elapsed.TotalSeconds);
    }

    /// <summary>AUC and detection rate at 10 false positives from ML.NET's evaluator; the test FPR from
    /// PredictedLabel.</summary>
    private static AnomalyResult Measure(MLContext ml, string method, IDataView scored, float[] labels)
    {
        var metrics = AnomalyRanking.Evaluate(ml, scored, falsePositiveCount: 10);
        var predictedColumn = scored.Schema["PredictedLabel"];
        long falsePositives = 0, normal = 0, row = 0;
        using (var cursor = scored.GetRowCursor(new[] { predictedColumn }))
        {
            var predicted = cursor.GetGetter<bool>(predictedColumn);
            bool flagged = false;
            while (cursor.MoveNext())
            {
                predicted(ref flagged);
                if (labels[row++] != 0) continue;
                normal++;
                if (flagged) falsePositives++;
            }
        }
        return new AnomalyResult(method, metrics.AreaUnderRocCurve, metrics.DetectionRateAtFalsePositiveCount,
            falsePositives / (double)normal);
    }
}
