using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Microsoft.ML;

namespace Nice.MLNet.Tabular;

/// <summary>
/// What a default rule does to the Fashion-MNIST one-class task of <c>./run.sh anomaly --dataset fashion</c>: train on the first
/// <c>trainRows</c> training images of a class, score the 10,000 test images (other classes = anomalies), AUROC of −log p.
/// "today" = that command's model (4 couplings × 3 × 256, 10 epochs, batch 200, 256-level dequantization, seed 0);
/// "rule" = <see cref="NiceRecipe.DefaultRule"/> for these rows and D, with the same 256-level dequantization (pixels are
/// one-step discrete columns, which the proposed column detection would find) and a 10% holdout (large-data regime).
/// </summary>
public static class FashionCheck
{
    public const string Directory = "/usr/share/datasets/fashion-mnist";

    public static void Run(TextWriter output, int[] classes, int trainRows, string which)
    {
        var (train, trainLabels) = Read("train");
        var (test, testLabels) = Read("t10k");
        foreach (int c in classes)
        {
            var rows = train.Where((_, i) => trainLabels[i] == c).Take(trainRows).ToArray();
            var labels = testLabels.Select(l => l == c ? 0f : 1f).ToArray();
            foreach (string kind in which.Split(','))
            {
                var options = kind == "today"
                    ? new NiceOptions { Couplings = 4, HiddenLayers = 3, HiddenWidth = 256, Epochs = 10, BatchSize = 200, Seed = 0 }
                    : NiceRecipe.DefaultRule(rows.Length, rows[0].Length, 0);
                options.DequantizationLevels = 256;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var ml = new MLContext(0);
                using var model = ml.Transforms.Nice(options).Fit(NiceRunner.View(ml, rows));
                var scores = model.LogLikelihood(test).Select(v => -v).ToArray();
                output.WriteLine($"fashion class {c} {kind,-5} {options.Couplings}x{options.HiddenLayers}x{options.HiddenWidth} batch {options.BatchSize} " +
                    $"epochs<={options.Epochs} best {model.TrainingSummary?.BestEpoch}: AUROC {TabularMetrics.Auroc(scores, labels):F3} ({clock.Elapsed.TotalSeconds:F0} s)");
                output.Flush();
            }
        }
    }

    private static (float[][] Images, byte[] Labels) Read(string prefix)
    {
        byte[] Bytes(string name)
        {
            using var gz = new GZipStream(File.OpenRead(Path.Combine(Directory, name)), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            return ms.ToArray();
        }
        var images = Bytes($"{prefix}-images-idx3-ubyte.gz");
        var labels = Bytes($"{prefix}-labels-idx1-ubyte.gz");
        int n = labels.Length - 8, d = 28 * 28;
        var rows = Enumerable.Range(0, n).Select(i => images.AsSpan(16 + i * d, d).ToArray().Select(b => (float)b).ToArray()).ToArray();
        return (rows, labels.Skip(8).ToArray());
    }
}
