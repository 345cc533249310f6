using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Anomaly;

namespace Nice.MLNet.Cli.Bench;

/// <summary>Settings shared by every split of one benchmark run.</summary>
public sealed record AnomalyBenchSettings(NiceOptions Nice, int ImageWidth, int PcaRank, int Seed);

/// <summary>One method's result on one split: AUC, detection rate at 10 false positives, and the test false-positive rate at the model's own threshold.</summary>
public sealed record AnomalyResult(string Method, double Auc, double DetectionRateAt10, double TestFalsePositiveRate, double MlNetAuc);

/// <summary>Trains NICE (scored by raw NLL and by the input-complexity score) and ML.NET's RandomizedPca on a split and measures them.</summary>
public static class AnomalyRunner
{
    public const string Nll = "NICE NLL", Complexity = "NICE complexity", Pca = "RandomizedPca";
    public static readonly string[] Methods = { Nll, Complexity, Pca };

    public static (IReadOnlyList<AnomalyResult> Results, double Seconds) Run(AnomalySplit split, AnomalyBenchSettings settings)
    {
        var ml = new MLContext(settings.Seed);
        var train = AnomalySplit.View(ml, split.Train);
        var test = AnomalySplit.View(ml, split.Test, split.TestLabels);
        var clock = Stopwatch.StartNew();
        var results = new List<AnomalyResult>();

        var options = new NiceAnomalyOptions { Nice = settings.Nice, Score = NiceAnomalyScore.Nll, ImageWidth = settings.ImageWidth };
        using (var nll = ml.AnomalyDetection.Trainers.Nice(options).Fit(train))
        using (var complexity = nll.ChangeScore(NiceAnomalyScore.InputComplexity, train))
        {
            results.Add(Measure(ml, Nll, nll.Transform(test), split.TestLabels));
            results.Add(Measure(ml, Complexity, complexity.Transform(test), split.TestLabels));
        }

        var pca = ml.AnomalyDetection.Trainers.RandomizedPca("Features", rank: settings.PcaRank, ensureZeroMean: true, seed: settings.Seed).Fit(train);
        results.Add(Measure(ml, Pca, pca.Transform(test), split.TestLabels));
        return (results, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Reads Score and PredictedLabel once and computes the metrics; ML.NET's evaluator runs on the same values as a check of the AUC.</summary>
    private static AnomalyResult Measure(MLContext ml, string method, IDataView scored, float[] labels)
    {
        var scores = new List<float>();
        var predicted = new List<bool>();
        var scoreColumn = scored.Schema["Score"];
        var predictedColumn = scored.Schema["PredictedLabel"];
        using (var cursor = scored.GetRowCursor(new[] { scoreColumn, predictedColumn }))
        {
            var s = cursor.GetGetter<float>(scoreColumn);
            var p = cursor.GetGetter<bool>(predictedColumn);
            float sv = 0;
            bool pv = false;
            while (cursor.MoveNext())
            {
                s(ref sv);
                p(ref pv);
                scores.Add(sv);
                predicted.Add(pv);
            }
        }
        var normal = scores.Where((_, i) => labels[i] == 0).ToArray();
        var anomalies = scores.Where((_, i) => labels[i] > 0).ToArray();
        double fpr = predicted.Where((_, i) => labels[i] == 0).Count(f => f) / (double)normal.Length;
        var evaluated = ml.Data.LoadFromEnumerable(scores.Select((s, i) => new Scored { Label = labels[i], Score = s, PredictedLabel = predicted[i] }));
        double mlNetAuc = ml.AnomalyDetection.Evaluate(evaluated).AreaUnderRocCurve;
        return new AnomalyResult(method, AnomalyMetrics.Auc(normal, anomalies), AnomalyMetrics.DetectionRate(normal, anomalies, 10), fpr, mlNetAuc);
    }

    private sealed class Scored
    {
        public float Label;
        public float Score;
        public bool PredictedLabel;
    }
}
