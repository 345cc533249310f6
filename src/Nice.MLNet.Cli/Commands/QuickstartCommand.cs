using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Cli.Data;
using Nice.MLNet.Images;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// The main job: trains NICE on the embedded UCI digits (or --data FILE.csv), shows progress, prints the test
/// log-likelihood and bits/dim, an anomaly-detection AUC on a held-out class, and writes a PNG grid of samples.
/// </summary>
public sealed class QuickstartCommand : ICommand
{
    public string Name => "quickstart";
    public string Summary => "train on the embedded digits (or --data file.csv, or --images folder): test NLL, bits/dim, anomaly AUC, samples PNG";

    public int Run(Args args)
    {
        string? csv = args.String("data");
        string? images = args.String("images");
        int size = args.Int("size", 28);
        int epochs = args.Int("epochs", 40);
        int width = args.Int("width", 256);
        int seed = args.Int("seed", 1);
        string output = args.String("out", "out");
        bool plainInit = args.Flag("plain-init");
        args.ThrowOnUnknown();
        var ml = new MLContext(seed);
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"Nice.MLNet quickstart — {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        if (images != null) return RunImages(ml, images, size, epochs, width, seed, output, plainInit, clock);
        return csv is null ? RunDigits(ml, epochs, width, seed, output, plainInit, clock) : RunCsv(ml, csv, epochs, width, seed, plainInit, clock);
    }

    private static NiceOptions Options(int epochs, int width, int seed, bool plainInit) => new()
    {
        Couplings = 4, HiddenLayers = 3, HiddenWidth = width, Epochs = epochs, BatchSize = 64, Seed = seed,
        EarlyStoppingPatience = 8, DataDependentInit = !plainInit, Progress = Progress(epochs),
    };

    private static Action<NiceEpochReport> Progress(int epochs)
    {
        double total = 0;
        return r =>
        {
            total += r.Seconds;
            double eta = total / r.Epoch * (epochs - r.Epoch);
            Console.WriteLine($"{r}  ETA ≤ {eta,4:F0}s");
        };
    }

    private static int RunDigits(MLContext ml, int epochs, int width, int seed, string output, bool plainInit, Stopwatch clock)
    {
        var (pixels, labels) = Digits.Load();
        var rows = Enumerable.Range(0, labels.Length).Select(i => new DigitRow { Features = pixels.AsSpan(i * 64, 64).ToArray(), Label = labels[i] }).ToArray();
        // Digits 0–8 are "normal": 80% train, 20% test. Every 9 is held out as the anomaly class.
        var rng = new Random(seed);
        var normal = rows.Where(r => r.Label != 9).OrderBy(_ => rng.Next()).ToArray();
        int nTest = normal.Length / 5;
        var test = normal[..nTest];
        var train = normal[nTest..];
        var nines = rows.Where(r => r.Label == 9).ToArray();
        Console.WriteLine($"UCI digits 8x8 (data/digits): {train.Length} train rows (digits 0-8), {test.Length} test rows, {nines.Length} held-out 9s as anomalies; 17 levels per pixel, dequantized.");

        var options = Options(epochs, width, seed, plainInit);
        options.DequantizationLevels = Digits.Levels;
        using var model = ml.Transforms.Nice(options).Fit(ml.Data.LoadFromEnumerable(train));
        Console.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1}s; kept epoch {model.TrainingSummary!.BestEpoch} (best validation NLL)");

        var testLl = ml.Data.CreateEnumerable<Scored>(model.Transform(ml.Data.LoadFromEnumerable(test)), false).Select(s => (double)s.LogLikelihood).ToArray();
        var nineLl = ml.Data.CreateEnumerable<Scored>(model.Transform(ml.Data.LoadFromEnumerable(nines)), false).Select(s => (double)s.LogLikelihood).ToArray();
        var metrics = model.Evaluate(ml.Data.LoadFromEnumerable(test), seed);
        Console.WriteLine($"test log-likelihood: {metrics.LogLikelihood:F2} ± {metrics.StandardError:F2} nats per image (density on [0,1]^64, uniform dequantization), {metrics.BitsPerDim:F4} bits/dim on the [0,17) scale");
        double auc = AnomalyMetrics.Auc(testLl.Select(v => (float)-v).ToArray(), nineLl.Select(v => (float)-v).ToArray());
        Console.WriteLine($"anomaly detection, score = -log p(x): AUC {auc:F3} (test digits 0-8 normal vs. unseen 9s)");

        var samples = model.Sample(64, temperature: 0.75, seed: seed);
        string path = Path.Combine(output, "digits-samples.png");
        NiceImages.SaveGrid(samples, 8, 8, path, min: 0, max: 16, columns: 8, scale: 4);
        Console.WriteLine($"wrote {Path.GetFullPath(path)} (64 samples, temperature 0.75)");
        Console.WriteLine($"total {clock.Elapsed.TotalSeconds:F1}s");
        return 0;
    }

    private static int RunCsv(MLContext ml, string path, int epochs, int width, int seed, bool plainInit, Stopwatch clock)
    {
        if (!File.Exists(path)) throw new ArgumentException($"--data: file not found: {path}");
        var first = File.ReadLines(path).FirstOrDefault() ?? throw new ArgumentException($"--data: {path} is empty.");
        var cells = first.Split(',');
        bool header = cells.Any(c => !float.TryParse(c, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _));
        var data = ml.Data.LoadFromTextFile(path, new[] { new TextLoader.Column("Features", DataKind.Single, 0, cells.Length - 1) }, separatorChar: ',', hasHeader: header);
        var split = ml.Data.TrainTestSplit(data, 0.2, seed: seed);
        Console.WriteLine($"{path}: {cells.Length} numeric columns{(header ? " (header skipped)" : "")}; 80/20 train/test split; standardized with mean/variance from the training rows.");
        var pipeline = ml.Transforms.NormalizeMeanVariance("Features").Append(ml.Transforms.Nice(Options(epochs, width, seed, plainInit)));
        var model = pipeline.Fit(split.TrainSet);
        var nice = model.LastTransformer;
        var metrics = nice.Evaluate(model.Transform(split.TestSet));
        Console.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1}s; test log-likelihood {metrics.LogLikelihood:F3} ± {metrics.StandardError:F3} nats per row (of the standardized data), {metrics.BitsPerDim:F4} bits/dim");
        return 0;
    }

    /// <summary>A folder of images (PNG, JPEG, BMP): gray, resized to size×size, 8-bit dequantized; 80/20 split; samples PNG.</summary>
    private static int RunImages(MLContext ml, string folder, int size, int epochs, int width, int seed, string output, bool plainInit, Stopwatch clock)
    {
        if (!Directory.Exists(folder)) throw new ArgumentException($"--images: folder not found: {folder}");
        var files = Directory.EnumerateFiles(folder)
            .Where(f => new[] { ".png", ".jpg", ".jpeg", ".bmp" }.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => f, StringComparer.Ordinal).Select(f => new ImageFile { Path = Path.GetFileName(f) }).ToArray();
        if (files.Length < 10) throw new ArgumentException($"--images: {folder} holds {files.Length} image files (PNG, JPEG or BMP); at least 10 are needed.");
        var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(files), 0.2, seed: seed);
        Console.WriteLine($"{folder}: {files.Length} images, gray, resized to {size}x{size}; 80/20 train/test split; 256 levels, dequantized.");
        var pixels = ml.Transforms.LoadImages("Image", folder, "Path")
            .Append(ml.Transforms.ResizeImages("Image", size, size, "Image"))
            .Append(ml.Transforms.ConvertToGrayscale("Gray", "Image"))
            .Append(ml.Transforms.ExtractPixels("Features", "Gray", Microsoft.ML.Transforms.Image.ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255));
        var options = Options(epochs, width, seed, plainInit).WithPixelQuantization(scaleImage: 1f / 255);
        var model = pixels.Append(ml.Transforms.Nice(options)).Fit(split.TrainSet);
        var nice = model.LastTransformer;
        Console.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1}s; kept epoch {nice.TrainingSummary!.BestEpoch}");
        var test = model.Take(4).Aggregate(split.TestSet, (d, t) => t.Transform(d));
        var metrics = nice.Evaluate(test, seed);
        Console.WriteLine($"test log-likelihood: {metrics.LogLikelihood:F2} ± {metrics.StandardError:F2} nats per image (density on [0,1]^{nice.Dimension}), {metrics.BitsPerDim:F4} bits/dim on [0,256)");
        string path = Path.Combine(output, "images-samples.png");
        nice.SaveSampleGrid(path, new NiceImageShape(size, size), new[] { 0.5, 0.75, 1.0 }, perTemperature: 8, seed: seed, scale: 2);
        Console.WriteLine($"wrote {Path.GetFullPath(path)} (8 samples at each of temperatures 0.5, 0.75, 1.0)");
        return 0;
    }

    private sealed class ImageFile
    {
        public string Path { get; set; } = "";
    }

    private sealed class DigitRow
    {
        [VectorType(64)] public float[] Features = Array.Empty<float>();
        public float Label;
    }

    private sealed class Scored
    {
        public float LogLikelihood { get; set; }
    }
}
