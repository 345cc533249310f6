using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Cli.Datasets;
using Nice.MLNet.Cli.Hosting;
using Nice.MLNet.Cli.Metrics;
using Nice.MLNet.Images;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// The quickstart on the embedded UCI 8×8 digits: digits 0–8 split 80/20 into train and test, every 9 held out as the
/// anomaly class; 17 grey levels, dequantized.
/// </summary>
internal static class QuickstartDigits
{
    public static void Run(MLContext ml, QuickstartSettings s)
    {
        var output = s.Output;
        var (pixels, labels) = Digits.Load();
        var rows = Enumerable.Range(0, labels.Length)
            .Select(i => new DigitRow { Features = pixels.AsSpan(i * 64, 64).ToArray(), Label = labels[i] }).ToArray();
        var rng = new Random(s.Seed);
        var normal = rows.Where(r => r.Label != 9).OrderBy(_ => rng.Next()).ToArray();
        int nTest = normal.Length / 5;
        var test = normal[..nTest];
        var train = normal[nTest..];
        var nines = rows.Where(r => r.Label == 9).ToArray();
        output.WriteLine($"UCI digits 8x8 (data/digits): {train.Length} train rows (digits 0-8), {test.Length} test "
            + $"rows, "
            + $"{nines.Length} held-out 9s as anomalies; 17 levels per pixel, dequantized.");

        var options = s.Options();
        options.DequantizationLevels = Digits.Levels;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var model = ml.Transforms.Nice(options).Fit(ml.Data.LoadFromEnumerable(train));
        output.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1}s; kept epoch {model.TrainingSummary!.BestEpoch} "
            + $"(best validation NLL)");

        var metrics = Phase.Run(output, $"evaluating {test.Length} test rows",
            () => model.Evaluate(ml.Data.LoadFromEnumerable(test), s.Seed));
        output.WriteLine($"test log-likelihood: {metrics.LogLikelihood:F2} ± {metrics.StandardError:F2} nats per image "
            + $"(density on [0,1]^64, uniform dequantization), {metrics.BitsPerDim:F4} bits/dim on the [0,17) scale");
        var (testScores, nineScores) = Phase.Run(output, $"scoring {test.Length} test rows and {nines.Length} 9s",
            () => (Nll(ml, model, test), Nll(ml, model, nines)));
        double auc = AnomalyRanking.Evaluate(ml, testScores, nineScores).AreaUnderRocCurve;
        output.WriteLine($"anomaly detection, score = -log p(x): AUC {auc:F3} (test digits 0-8 normal vs. unseen 9s)");

        var samples = model.Sample(64, temperature: 0.75, seed: s.Seed);
        string path = s.OutFile("digits-samples.png");
        NiceImages.SaveGrid(samples, 8, 8, path, min: 0, max: 16, columns: 8, scale: 4);
        output.WriteLine($"wrote {path} (64 samples, temperature 0.75)");
    }

    private static float[] Nll(MLContext ml, NiceTransformer model, DigitRow[] rows)
        => ml.Data.CreateEnumerable<Scored>(model.Transform(ml.Data.LoadFromEnumerable(rows)), false)
            .Select(r => -r.LogLikelihood).ToArray();

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
