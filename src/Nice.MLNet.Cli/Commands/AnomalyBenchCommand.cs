using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Cli.Data;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// <c>./run.sh anomaly</c>: NICE anomaly detection (raw NLL and the input-complexity score of Serrà et al. 2020) beside ML.NET's
/// RandomizedPca on the same splits, on (a) Fashion-MNIST one-class — train on one class, test on the 10,000 test images with the
/// other nine classes as anomalies, averaged over the classes — and (b) the committed 8x8 digits, leave-one-digit-out — train on
/// three quarters of the other nine digits, test on the last quarter plus every image of the held-out digit as anomalies — and
/// (c) the simpler-input trap: train on Fashion-MNIST, test on Fashion-MNIST test images against UCI digits drawn at 28x28.
/// Prints AUC, the detection rate at 10 false positives (the fraction of anomalies above the 10th-highest normal score) and the
/// test false-positive rate at each model's own threshold (NICE: calibrated to 1% on its training rows; PCA: ML.NET's default 0.5).
/// </summary>
public sealed class AnomalyBenchCommand : ICommand
{
    public string Name => "anomaly";

    public string Summary => "anomaly detection: NICE (NLL, input complexity) vs RandomizedPca on Fashion-MNIST one-class, digits, breast cancer (tabular), and Fashion-MNIST vs digits (the simpler-input trap); --dataset all|fashion|digits|cancer|trap --splits --classes --epochs --train-rows";

    public int Run(Args args)
    {
        string dataset = args.String("dataset", "all");
        string directory = args.String("data-dir", AnomalySplit.FashionDirectory);
        var classes = List(args.String("classes"), 10, "classes");
        var digits = List(args.String("digits"), 10, "digits");
        int? epochs = args.String("epochs") is null ? null : args.Int("epochs", 0);
        int trainRows = args.Int("train-rows", 6000);
        int testRows = args.Int("test-rows", 10000);
        int? width = args.String("hidden-width") is null ? null : args.Int("hidden-width", 0);
        int? layers = args.String("hidden-layers") is null ? null : args.Int("hidden-layers", 0);
        int couplings = args.Int("couplings", 4);
        int pcaRank = args.Int("pca-rank", 20);
        int seed = args.Int("seed", 0);
        int splits = args.Int("splits", 10);
        args.ThrowOnUnknown();
        if (dataset is not ("all" or "fashion" or "digits" or "cancer" or "trap")) throw new ArgumentException($"--dataset: '{dataset}' is not one of all, fashion, digits, cancer, trap.");
        if (splits < 1) throw new ArgumentException("--splits must be >= 1.");
        if (trainRows < 1 || testRows < 1) throw new ArgumentException("--train-rows and --test-rows must be >= 1.");

        Console.WriteLine("Anomaly detection. AUC: P(anomaly scores above normal). DR@10FP: fraction of anomalies above the 10th-highest normal score.");
        Console.WriteLine("FPR: test normals flagged at the model's own threshold (NICE: 1% on training rows; RandomizedPca: 0.5). Higher score = more anomalous.");
        Console.WriteLine("NICE complexity = bits/dim - L(x)/D, L(x) = PNG-filtered Deflate length in bits (Serra et al. 2020).");
        float[][] train = Array.Empty<float[]>(), test = Array.Empty<float[]>();
        byte[] trainLabels = Array.Empty<byte>(), testLabels = Array.Empty<byte>();
        if (dataset is "all" or "fashion" or "trap")
        {
            try
            {
                (train, trainLabels, test, testLabels) = AnomalySplit.LoadFashion(directory);
            }
            catch (System.IO.FileNotFoundException e)
            {
                Console.Error.WriteLine($"anomaly: {e.Message}. Install the Debian package dataset-fashion-mnist (./run.sh anomaly does), or pass --data-dir, or run --dataset digits.");
                return 1;
            }
        }
        // Fashion-MNIST's one-class task and the trap train the same model on the same images; the digits serve (b) and (d).
        var fashionNice = Options(couplings, layers ?? 3, width ?? 256, epochs ?? 10, levels: 256, seed);
        var (digitPixels, digitLabels) = dataset is "all" or "digits" or "trap" ? Digits.Load() : (Array.Empty<float>(), Array.Empty<int>());
        if (dataset is "all" or "fashion")
        {
            Console.WriteLine();
            Console.WriteLine($"(a) Fashion-MNIST one-class: train on <= {trainRows} images of a class, test on {Math.Min(testRows, 10000)} test images, other classes = anomalies.");
            Console.WriteLine($"    NICE {Describe(fashionNice)}; RandomizedPca rank {pcaRank}.");
            RunSplits(classes.Select(c => AnomalySplit.FashionOneClass(train, trainLabels, test, testLabels, c, trainRows, testRows)),
                new AnomalyBenchSettings(fashionNice, 28, pcaRank, seed));
        }
        if (dataset is "all" or "digits")
        {
            var nice = Options(couplings, layers ?? 2, width ?? 64, epochs ?? 50, levels: Digits.Levels, seed);
            Console.WriteLine();
            Console.WriteLine("(b) 8x8 digits (UCI, 1,797 images, 17 levels), leave-one-digit-out: train on 3/4 of the other nine digits,");
            Console.WriteLine("    test on their last quarter (normal) and every image of the held-out digit (anomalies).");
            Console.WriteLine($"    NICE {Describe(nice)}; RandomizedPca rank {pcaRank}.");
            RunSplits(digits.Select(d => AnomalySplit.DigitsHoldOut(digitPixels, digitLabels, d)), new AnomalyBenchSettings(nice, 8, pcaRank, seed));
        }
        if (dataset is "all" or "cancer")
        {
            var nice = Options(couplings, layers ?? 2, width ?? 64, epochs ?? 300, levels: 0, seed);
            nice.BatchSize = 32;
            nice.EarlyStoppingPatience = 30;
            Console.WriteLine();
            Console.WriteLine($"(c) Breast Cancer Wisconsin (Diagnostic; UCI, 569 rows x 30 features): benign = normal, malignant = anomaly. {splits} seeded splits:");
            Console.WriteLine("    train on 2/3 of the 357 benign rows, test on the other third and all 212 malignant rows; features standardized on the training rows.");
            Console.WriteLine($"    NICE {Describe(nice)}, batch {nice.BatchSize}; RandomizedPca rank {pcaRank}.");
            var (rows, malignant) = BreastCancer.Load();
            RunSplits(Enumerable.Range(seed, splits).Select(k => AnomalySplit.CancerSplit(rows, malignant, k)), new AnomalyBenchSettings(nice, 0, pcaRank, seed));
        }
        if (dataset is "all" or "trap")
        {
            Console.WriteLine();
            Console.WriteLine($"(d) The simpler-input trap: train on the first {trainRows} Fashion-MNIST training images (all classes); test on {Math.Min(testRows, 10000)} Fashion-MNIST");
            Console.WriteLine("    test images (normal) and the 1,797 UCI digits drawn as 28x28 MNIST-style images (anomalies; Nalisnick et al. 2019 used MNIST).");
            Console.WriteLine($"    NICE {Describe(fashionNice)}; RandomizedPca rank {pcaRank}.");
            RunSplits(new[] { AnomalySplit.FashionVsDigits(train, test, trainRows, testRows, digitPixels) },
                new AnomalyBenchSettings(fashionNice, 28, pcaRank, seed), mean: false);
        }
        return 0;
    }

    /// <summary>One table: a row per split (made as it is reached), then the mean row unless <paramref name="mean"/> is false.</summary>
    private static void RunSplits(IEnumerable<AnomalySplit> splits, AnomalyBenchSettings settings, bool mean = true)
    {
        var table = new AnomalyTable(Console.Out);
        foreach (var split in splits)
        {
            var (results, seconds) = AnomalyRunner.Run(split, settings);
            table.Add(split.Name, results, seconds);
        }
        if (mean) table.WriteMean();
    }

    private static NiceOptions Options(int couplings, int layers, int width, int epochs, int levels, int seed) => new()
    {
        Couplings = couplings, HiddenLayers = layers, HiddenWidth = width, Epochs = epochs, BatchSize = 200,
        DequantizationLevels = levels, Seed = seed,
    };

    private static string Describe(NiceOptions o)
        => $"{o.Couplings} couplings x {o.HiddenLayers} hidden layers x {o.HiddenWidth} units, <= {o.Epochs} epochs (early stopping patience {o.EarlyStoppingPatience}), logistic prior, {o.DequantizationLevels}-level dequantization, seed {o.Seed}";

    private static int[] List(string? text, int count, string name)
    {
        if (text is null) return Enumerable.Range(0, count).ToArray();
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 0 || v >= count)
                throw new ArgumentException($"--{name}: '{part}' is not an integer in 0..{count - 1}.");
            values.Add(v);
        }
        return values.Distinct().ToArray();
    }
}
