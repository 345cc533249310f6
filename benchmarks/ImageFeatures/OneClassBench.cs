using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Anomaly;
using Microsoft.ML.Data;

namespace Nice.MLNet.ImageFeatures;

/// <summary>Settings of the density models compared on the embeddings.</summary>
public sealed record FeatureModels(string Pre, int Couplings, int Layers, int Width, int Epochs, double WeightDecay, int PcaRank, double? Shrinkage,
    int Patience, double LearningRate, int Seed, int PcaDims = 0)
{
    public string Describe() => $"features '{Pre}'{(PcaDims > 0 ? $", then top {PcaDims} principal components whitened" : "")}; Gaussian: Ledoit-Wolf shrinkage{(Shrinkage is null ? "" : $" fixed {Shrinkage}")}; "
        + $"flows: on the Gaussian-whitened features, {Couplings} couplings x {Layers} x {Width}, Gaussian prior, <= {Epochs} epochs (patience {Patience}), "
        + $"lr {LearningRate}, weight decay {WeightDecay}, seed {Seed}; RandomizedPca rank {PcaRank}";
}

/// <summary>
/// One task on embeddings: fits each method on the training rows (all normal) and scores the test rows. Methods:
/// gauss (full-covariance Gaussian, Mahalanobis), nice (additive coupling), affine (NiceCoupling.Affine), pca (ML.NET RandomizedPca).
/// The flows see the features whitened by the same Gaussian (z = L⁻¹(x − μ)); their untrained, data-initialized state is then close
/// to that Gaussian, so any gain over it is what the coupling layers learned.
/// </summary>
public static class OneClassBench
{
    public static readonly string[] AllMethods = { "gauss", "nice", "affine", "pca" };

    public sealed record Result(string Method, double Auc, double Dr, double Seconds, string Note);

    public static List<Result> Run(float[][] trainRaw, float[][] testRaw, bool[] anomaly, FeatureModels m, IReadOnlyList<string> methods)
    {
        var results = new List<Result>();
        var space = new FeatureSpace(m.Pre, trainRaw);
        var train = space.Apply(trainRaw);
        var test = space.Apply(testRaw);
        if (m.PcaDims > 0)
        {
            var pca = new PcaWhitening(train, m.PcaDims);
            train = pca.Apply(train);
            test = pca.Apply(test);
        }
        var clock = Stopwatch.StartNew();
        var gaussian = new Gaussian(train, m.Shrinkage);
        double gaussSeconds = clock.Elapsed.TotalSeconds;
        if (methods.Contains("gauss"))
        {
            var (auc, dr) = Metrics.Both(gaussian.Score(test), anomaly);
            results.Add(new Result("gauss", auc, dr, clock.Elapsed.TotalSeconds, $"shrinkage {gaussian.Shrinkage:F3}"));
        }
        float[][]? wTrain = null, wTest = null;
        foreach (var coupling in new[] { ("nice", NiceCoupling.Additive), ("affine", NiceCoupling.Affine) })
        {
            if (!methods.Contains(coupling.Item1)) continue;
            wTrain ??= gaussian.Whiten(train);
            wTest ??= gaussian.Whiten(test);
            clock.Restart();
            var ml = new MLContext(m.Seed);
            var epochs = new List<string>();
            var options = new NiceAnomalyOptions
            {
                Nice = new NiceOptions
                {
                    Couplings = m.Couplings, HiddenLayers = m.Layers, HiddenWidth = m.Width, Epochs = m.Epochs, BatchSize = 200,
                    Prior = NicePrior.Gaussian, Coupling = coupling.Item2, WeightDecay = m.WeightDecay, Seed = m.Seed,
                    EarlyStoppingPatience = m.Patience, LearningRate = m.LearningRate,
                    Progress = r => epochs.Add(r.ToString()),
                },
            };
            using var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(View(ml, wTrain));
            var scores = detector.Score(wTest).Select(s => (double)s).ToArray();
            var (auc, dr) = Metrics.Both(scores, anomaly);
            var summary = detector.Model.TrainingSummary;
            if (Environment.GetEnvironmentVariable("IMAGE_FEATURES_VERBOSE") == "1") foreach (var e in epochs) Console.WriteLine($"      {coupling.Item1} {e}");
            results.Add(new Result(coupling.Item1, auc, dr, clock.Elapsed.TotalSeconds + gaussSeconds, summary is null ? "" : $"kept epoch {summary.BestEpoch} of {summary.History.Count}, valid NLL {summary.History.Last(h => h.IsBest).ValidNll:F1}"));
        }
        if (methods.Contains("pca"))
        {
            clock.Restart();
            var ml = new MLContext(m.Seed);
            var pca = ml.AnomalyDetection.Trainers.RandomizedPca("Features", rank: m.PcaRank, ensureZeroMean: true, seed: m.Seed).Fit(View(ml, train));
            var scores = pca.Transform(View(ml, test)).GetColumn<float>("Score").Select(s => (double)s).ToArray();
            var (auc, dr) = Metrics.Both(scores, anomaly);
            results.Add(new Result("pca", auc, dr, clock.Elapsed.TotalSeconds, ""));
        }
        return results;
    }

    public static IDataView View(MLContext ml, float[][] rows)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Length);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new Row { Features = r }), definition);
    }

    private sealed class Row
    {
        public float[] Features = Array.Empty<float>();
    }

    public static readonly string[] FashionClasses =
        { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };

    /// <summary>The ten Fashion-MNIST one-class tasks (or a subset) on cached embeddings, a row per class and the mean.</summary>
    public static void Fashion(float[][] train, byte[] trainLabels, float[][] test, byte[] testLabels, IEnumerable<int> classes, int trainRows,
        FeatureModels m, IReadOnlyList<string> methods, TextWriter log)
    {
        log.WriteLine($"Fashion-MNIST one-class on ResNet-18 embeddings: train on <= {trainRows} cached training images of a class "
            + $"({train.Length} of 60000 cached), test on {test.Length} test images, other classes = anomalies. {m.Describe()}.");
        log.WriteLine($"{"class",-14} {"train",5} " + string.Concat(methods.Select(x => $"| {x,-6} AUC  DR@10FP   s ")));
        var all = new List<List<Result>>();
        foreach (int c in classes)
        {
            var t = Enumerable.Range(0, train.Length).Where(i => trainLabels[i] == c).Take(trainRows).Select(i => train[i]).ToArray();
            var anomaly = testLabels.Select(l => l != c).ToArray();
            var r = Run(t, test, anomaly, m, methods);
            all.Add(r);
            log.WriteLine($"{c + " " + FashionClasses[c],-14} {t.Length,5} " + Cells(r, methods));
            foreach (var x in r.Where(x => x.Note.Length > 0)) log.WriteLine($"    {x.Method}: {x.Note}");
            log.Flush();
        }
        var mean = methods.Select(x => new Result(x, all.Average(r => r.Single(y => y.Method == x).Auc), all.Average(r => r.Single(y => y.Method == x).Dr),
            all.Sum(r => r.Single(y => y.Method == x).Seconds), "")).ToList();
        log.WriteLine($"{$"mean of {all.Count}",-14} {"",5} " + Cells(mean, methods) + "   (seconds: total)");
    }

    public static string Cells(IReadOnlyList<Result> r, IReadOnlyList<string> methods)
        => string.Concat(methods.Select(x => r.Single(y => y.Method == x))
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"| {x.Auc,10:F4} {x.Dr,6:F3} {x.Seconds,4:F0} ")));
}
