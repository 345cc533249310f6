using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Anomaly;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// Images/s of the featurization paths on the same images and threads, interleaved in rounds so that a change of machine load
/// hits every path alike; then the density models' rows/s on 512-d embeddings.
/// </summary>
public static class SpeedBench
{
    public sealed class PixelRow
    {
        [VectorType(3, ImagePipeline.Size, ImagePipeline.Size)]
        public float[] Pixels { get; set; } = Array.Empty<float>();
    }

    public static void Featurization(GrayImages images, int count, int threads, int rounds, int[] batches, TextWriter log)
    {
        log.WriteLine($"Featurization speed, {count} Fashion-MNIST test images, ONNX Runtime intra-op threads {threads}, {rounds} rounds; load average {Load()}.");
        var ml = new MLContext(0);
        ml.SetOnnxSessionOption(new OnnxSessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 });
        var source = ImagePipeline.InMemory(ml, images, 0, count);
        var steps = ImagePipeline.PixelSteps(ml).Fit(source);
        float[][] pixels = Array.Empty<float[]>();
        var pixelView = ml.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(_ => new PixelRow()));
        ITransformer? featurizer = null;
        using var batched = new ResNetBatchFeaturizer(ImagePipeline.ModelDirectory, threads);
        var rates = new Dictionary<string, List<double>>();
        var cpuRates = new Dictionary<string, List<double>>();
        var process = Process.GetCurrentProcess();
        void Time(string name, Action action)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            action();
            double wall = clock.Elapsed.TotalSeconds;
            process.Refresh();
            double cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
            (rates.TryGetValue(name, out var l) ? l : rates[name] = new List<double>()).Add(count / wall);
            (cpuRates.TryGetValue(name, out var c) ? c : cpuRates[name] = new List<double>()).Add(count / cpuSeconds);
        }
        for (int round = 0; round < rounds; round++)
        {
            Time("ML.NET image steps (MLImage → ResizeImages 224 → ExtractPixels)", () => pixels = ImagePipeline.Column(steps.Transform(source), "Pixels").ToArray());
            pixelView = ml.Data.LoadFromEnumerable(pixels.Select(p => new PixelRow { Pixels = p }));
            featurizer ??= ImagePipeline.ResNet18(ml).Fit(pixelView);
            Time("ML.NET DnnFeaturizeImage (OnnxTransformer, one row per Run)", () => ImagePipeline.Column(featurizer.Transform(pixelView), "Features").Count());
            foreach (int b in batches)
                Time($"ONNX Runtime InferenceSession, batch {b}", () =>
                {
                    var buffer = new float[b * ImagePipeline.Pixels];
                    for (int start = 0; start < count; start += b)
                    {
                        int n = Math.Min(b, count - start);
                        for (int k = 0; k < n; k++) Array.Copy(pixels[start + k], 0, buffer, k * ImagePipeline.Pixels, ImagePipeline.Pixels);
                        batched.Run(buffer, n);
                    }
                });
            log.WriteLine($"  round {round + 1} done, load average {Load()}");
        }
        foreach (var (name, list) in rates)
            log.WriteLine($"  {name,-66} wall: best {list.Max(),6:F1}  median {Median(list),6:F1} images/s;"
                + $"  per CPU-second of this process: median {Median(cpuRates[name]),6:F1} images");
    }

    public static void Flow(float[][] rows, FeatureModels m, TextWriter log)
    {
        log.WriteLine($"Density-model speed on {rows.Length} rows of 512-d ResNet-18 embeddings; load average {Load()}.");
        var clock = Stopwatch.StartNew();
        var gaussian = new Gaussian(rows);
        log.WriteLine($"  Gaussian (Ledoit-Wolf) fit: {clock.Elapsed.TotalSeconds:F2} s");
        clock.Restart();
        var white = gaussian.Whiten(rows);
        log.WriteLine($"  Gaussian whitening/scoring (TorchSharp float64 matrix product): {rows.Length / clock.Elapsed.TotalSeconds:F0} rows/s");
        var ml = new MLContext(0);
        var process = Process.GetCurrentProcess();
        double Cpu() { process.Refresh(); return process.TotalProcessorTime.TotalSeconds; }
        foreach (var coupling in new[] { NiceCoupling.Additive, NiceCoupling.Affine })
        {
            var options = new NiceAnomalyOptions
            {
                Nice = new NiceOptions
                {
                    Couplings = m.Couplings, HiddenLayers = m.Layers, HiddenWidth = m.Width, Epochs = 2, Prior = NicePrior.Gaussian, Coupling = coupling, Seed = 0,
                },
            };
            var view = OneClassBench.View(ml, white);
            clock.Restart();
            double cpu0 = Cpu();
            using var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(view);
            double fit = clock.Elapsed.TotalSeconds, fitCpu = Cpu() - cpu0;
            var summary = detector.Model.TrainingSummary!;
            double perEpoch = summary.History.Average(h => h.Seconds);
            clock.Restart();
            cpu0 = Cpu();
            int n = detector.Transform(view).GetColumn<float>("Score").Count();
            double batchedRate = n / clock.Elapsed.TotalSeconds, batchedCpuRate = n / (Cpu() - cpu0);
            string zip = Path.Combine(Path.GetTempPath(), $"flow-speed-{Environment.ProcessId}.zip");
            ml.Model.Save(detector, view.Schema, zip);
            var loaded = ml.Model.Load(zip, out _);
            int slowRows = Math.Min(2000, rows.Length);
            var slowView = OneClassBench.View(ml, white.Take(slowRows).ToArray());
            clock.Restart();
            cpu0 = Cpu();
            loaded.Transform(slowView).GetColumn<float>("Score").Count();
            double onnxRate = slowRows / clock.Elapsed.TotalSeconds, onnxCpuRate = slowRows / (Cpu() - cpu0);
            File.Delete(zip);
            log.WriteLine($"  {coupling} {m.Couplings}x{m.Layers}x{m.Width}: training {0.9 * rows.Length / perEpoch:F0} rows/s ({perEpoch:F1} s/epoch on {0.9 * rows.Length:F0} rows), "
                + $"scoring: Transform (batched TorchSharp) {batchedRate:F0} rows/s, mlContext.Model.Load zip (ONNX Runtime, row by row) {onnxRate:F0} rows/s");
            log.WriteLine($"    per CPU-second of this process: training {2 * 0.9 * rows.Length / fitCpu:F0} rows (2 epochs, incl. set-up), "
                + $"Transform {batchedCpuRate:F0} rows, Model.Load zip {onnxCpuRate:F0} rows");
        }
    }

    public static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
