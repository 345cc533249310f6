using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Transforms.Image;
using Nice.MLNet.Cli.Hosting;
using Nice.MLNet.Images;

namespace Nice.MLNet.Cli.Commands;

/// <summary>The quickstart on a folder of images (PNG, JPEG, BMP): gray, resized to size×size, 8-bit dequantized; 80/20
/// split.</summary>
internal static class QuickstartImages
{
    private static readonly string[] Extensions = { ".png", ".jpg", ".jpeg", ".bmp" };

    public static void Run(MLContext ml, DirectoryInfo folder, int size, QuickstartSettings s)
    {
        var output = s.Output;
        var files = folder.EnumerateFiles()
            .Where(f => Extensions.Contains(f.Extension.ToLowerInvariant()))
            .OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => new ImageFile { Path = f.Name }).ToArray();
        if (files.Length < 10)
            throw new InvalidDataException($"{folder.FullName} holds {files.Length} image files (PNG, JPEG or BMP); "
                + $"at least 10 are needed.");
        var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(files), 0.2, seed: s.Seed);
        output.WriteLine($"{folder.FullName}: {files.Length} images, gray, resized to {size}x{size}; 80/20 train/test "
            + $"split; "
            + "256 levels, dequantized.");
        var pixels = ml.Transforms.LoadImages("Image", folder.FullName, "Path")
            .Append(ml.Transforms.ResizeImages("Image", size, size, "Image"))
            .Append(ml.Transforms.ConvertToGrayscale("Gray", "Image"))
            .Append(ml.Transforms.ExtractPixels("Features", "Gray", ImagePixelExtractingEstimator.ColorBits.Red,
                scaleImage: 1f / 255));
        var options = s.Options().WithPixelQuantization(scaleImage: 1f / 255);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var model = pixels.Append(ml.Transforms.Nice(options)).Fit(split.TrainSet);
        var nice = model.LastTransformer;
        output.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1}s; kept epoch {nice.TrainingSummary!.BestEpoch}");
        var test = model.Take(4).Aggregate(split.TestSet, (d, t) => t.Transform(d));
        var metrics = Phase.Run(output, "evaluating the test images", () => nice.Evaluate(test, s.Seed));
        output.WriteLine($"test log-likelihood: {metrics.LogLikelihood:F2} ± {metrics.StandardError:F2} nats per image "
            + $"(density on [0,1]^{nice.Dimension}), {metrics.BitsPerDim:F4} bits/dim on [0,256)");
        string path = s.OutFile("images-samples.png");
        nice.SaveSampleGrid(path, new NiceImageShape(size, size), new[] { 0.5, 0.75, 1.0 }, perTemperature: 8,
            seed: s.Seed, scale: 2);
        output.WriteLine($"wrote {path} (8 samples at each of temperatures 0.5, 0.75, 1.0)");
    }

    private sealed class ImageFile
    {
        public string Path { get; set; } = "";
    }
}
