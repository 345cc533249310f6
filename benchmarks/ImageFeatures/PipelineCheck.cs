using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Anomaly;
using Microsoft.ML.Data;
using SkiaSharp;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// Step 1 of the issue, end to end with the real featurizer on a few dozen images: gray PNG files and in-memory images →
/// LoadImages / ResizeImages / ExtractPixels → DnnFeaturizeImage (ResNet-18) → NormalizeMeanVariance → NICE anomaly detector, then
/// the whole fitted pipeline through mlContext.Model.Save / Load and NiceAnomalyDetector.Load.
/// </summary>
public static class PipelineCheck
{
    public sealed class FileRow
    {
        public string Path { get; set; } = "";
    }

    /// <summary>The composition a user would write (the plain ML.NET form of the proposed one-call helper).</summary>
    public static IEstimator<ITransformer> Pipeline(MLContext ml, NiceAnomalyOptions detector)
        => ImagePipeline.PixelSteps(ml)
            .Append(ImagePipeline.ResNet18(ml, "Pixels", "Embedding"))
            .Append(ml.Transforms.NormalizeMeanVariance("Features", "Embedding"))
            .Append(ml.AnomalyDetection.Trainers.Nice(detector));

    public static int Run(GrayImages train, GrayImages test, string folder, TextWriter log)
    {
        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(folder);
        // 48 training images of class 1 (trousers), 32 test images: 16 trousers (normal) and 16 of other classes (anomalies).
        var trainIdx = Enumerable.Range(0, train.Count).Where(i => train.Labels[i] == 1).Take(48).ToArray();
        var testIdx = Enumerable.Range(0, test.Count).Where(i => test.Labels[i] == 1).Take(16)
            .Concat(Enumerable.Range(0, test.Count).Where(i => test.Labels[i] != 1).Take(16)).ToArray();
        var trainFiles = trainIdx.Select(i => WriteGrayPng(train, i, Path.Combine(folder, $"train-{i}.png"))).ToArray();
        var testFiles = testIdx.Select(i => WriteGrayPng(test, i, Path.Combine(folder, $"test-{i}.png"))).ToArray();

        var ml = new MLContext(0);
        var options = new NiceAnomalyOptions
        {
            Nice = new NiceOptions { Couplings = 4, HiddenLayers = 1, HiddenWidth = 64, Epochs = 20, BatchSize = 16, Prior = NicePrior.Gaussian, Seed = 0 },
        };
        var filesTrain = ml.Data.LoadFromEnumerable(trainFiles.Select(p => new FileRow { Path = p }));
        var filesTest = ml.Data.LoadFromEnumerable(testFiles.Select(p => new FileRow { Path = p }));
        var fromFiles = ml.Transforms.LoadImages("Image", folder, "Path").Append(Pipeline(ml, options));
        var clock = Stopwatch.StartNew();
        var model = fromFiles.Fit(filesTrain);
        log.WriteLine($"files: fitted LoadImages → ResizeImages → ExtractPixels → DnnFeaturizeImage(ResNet18) → NormalizeMeanVariance → Nice on {trainFiles.Length} gray PNGs in {clock.Elapsed.TotalSeconds:F1} s");
        var scoredFiles = model.Transform(filesTest);
        var scores = scoredFiles.GetColumn<float>("Score").ToArray();
        var embeddingsFromFiles = ImagePipeline.Column(scoredFiles, "Embedding").ToArray();
        var pixels = ImagePipeline.Column(scoredFiles, "Pixels").First();
        int plane = ImagePipeline.Size * ImagePipeline.Size;
        bool replicated = Enumerable.Range(0, plane).All(k => pixels[k] == pixels[plane + k] && pixels[k] == pixels[2 * plane + k]);
        log.WriteLine($"files: gray PNG → 3 planes equal (R = G = B): {replicated}; Pixels length {pixels.Length}, range {pixels.Min()}..{pixels.Max()}");
        var anomaly = testIdx.Select(i => test.Labels[i] != 1).ToArray();
        var (auc, _) = (Metrics.Auc(scores.Where((_, k) => !anomaly[k]).Select(s => (double)s).ToArray(), scores.Where((_, k) => anomaly[k]).Select(s => (double)s).ToArray()), 0);
        log.WriteLine($"files: AUROC on the 32 test images (16 trousers normal, 16 others anomalous): {auc:F3}");

        // In-memory images (MLImage column) through the same steps after the loader: the same embeddings.
        var memory = ml.Data.LoadFromEnumerable(testIdx.Select(i => new ImagePipeline.ImageRow { Image = ImagePipeline.ToImage(test.Image(i), 28, 28) }));
        var inMemory = ImagePipeline.PixelSteps(ml).Append(ImagePipeline.ResNet18(ml, "Pixels", "Embedding")).Fit(memory).Transform(memory);
        var embeddingsInMemory = ImagePipeline.Column(inMemory, "Embedding").ToArray();
        double memDiff = embeddingsFromFiles.Zip(embeddingsInMemory, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
        log.WriteLine($"in-memory MLImage rows vs PNG files: max |embedding difference| {memDiff:G3}");

        // One zip: the whole fitted pipeline.
        string zip = Path.Combine(folder, "pipeline.zip");
        clock.Restart();
        ml.Model.Save(model, filesTrain.Schema, zip);
        log.WriteLine($"mlContext.Model.Save: {zip}, {new FileInfo(zip).Length / 1e6:F1} MB in {clock.Elapsed.TotalSeconds:F1} s");
        File.WriteAllLines(Path.Combine(folder, "scores.txt"), scores.Select(s => s.ToString("R", CultureInfo.InvariantCulture)));
        File.WriteAllLines(Path.Combine(folder, "test-files.txt"), testFiles);
        int failures = LoadAndCompare(zip, folder, log);

        // The library's loader: the detector alone, scored batched on the normalized embeddings of the fitted pipeline.
        using var detector = NiceAnomalyDetector.Load(ml, zip);
        var normalized = ImagePipeline.Column(scoredFiles, "Features").ToArray();
        var batched = detector.Score(normalized);
        double libDiff = batched.Zip(scores, (a, b) => Math.Abs(a - b)).Max();
        log.WriteLine($"NiceAnomalyDetector.Load(zip): detector alone, batched, on the pipeline's normalized embeddings: max |score difference| {libDiff:G3} (threshold {detector.Threshold:F2})");
        return failures + (libDiff <= 1e-3 && memDiff <= 1e-4 && replicated ? 0 : 1); // the library's loader is the same TorchSharp model: exact
    }

    /// <summary>Loads the zip with mlContext.Model.Load (this can run in a fresh process) and compares with the saved scores.</summary>
    public static int LoadAndCompare(string zip, string folder, TextWriter log)
    {
        var ml = new MLContext(1);
        var clock = Stopwatch.StartNew();
        var loaded = ml.Model.Load(zip, out var schema);
        var files = File.ReadAllLines(Path.Combine(folder, "test-files.txt"));
        var expected = File.ReadAllLines(Path.Combine(folder, "scores.txt")).Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var data = ml.Data.LoadFromEnumerable(files.Select(p => new FileRow { Path = p }));
        var scored = loaded.Transform(data);
        var scores = scored.GetColumn<float>("Score").ToArray();
        var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        double diff = scores.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        // Scores are 512-d NLLs of hundreds of nats: float32 ONNX Runtime vs TorchSharp agree to a relative 1e-5, not an absolute 1e-3.
        double relative = scores.Zip(expected, (a, b) => Math.Abs(a - b) / Math.Max(1, Math.Abs(b))).Max();
        log.WriteLine($"mlContext.Model.Load (process {Environment.ProcessId}): {scores.Length} rows scored in {clock.Elapsed.TotalSeconds:F1} s, "
            + $"max |score difference| vs the fitted pipeline {diff:G3} (relative {relative:G3}); {predicted.Count(p => p)} flagged; "
            + $"input schema: {string.Join(", ", schema.Select(c => c.Name + ":" + c.Type))}");
        return relative <= 1e-5 ? 0 : 1;
    }

    private static string WriteGrayPng(GrayImages images, int i, string path)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(images.Width, images.Height, SKColorType.Gray8, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(images.Image(i).ToArray(), 0, bitmap.GetPixels(), images.Dimension); // RowBytes = 28
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using (var file = File.Create(path)) data.SaveTo(file);
        return Path.GetFileName(path); // LoadImages reads it relative to its image folder
    }
}
