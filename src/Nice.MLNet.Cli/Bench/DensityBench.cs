using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Cli.Datasets;
using Nice.MLNet.Cli.Hosting;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using TorchSharp;

namespace Nice.MLNet.Cli.Bench;

/// <summary>
/// The NICE paper's density experiment (Dinh, Krueger &amp; Bengio 2014, §5.1) on any MNIST-format data: NICE trained
/// by maximum likelihood on dequantized pixels, against diagonal and full-covariance Gaussians fitted to the same
/// dequantized training rows; every model's test log-likelihood is a density on [0,1]ᴰ in nats, averaged over one draw
/// of uniform dequantization noise of the test rows.
/// </summary>
public static class DensityBench
{
    public const int Levels = 256;

    public static DensityResult Run(DensitySettings s, TextWriter log)
    {
        var (trainPixels, _, rows, cols) = Idx.LoadSplit(s.DataFolder, "train", s.TrainRows);
        var (testPixels, _, testRowsPx, testCols) = Idx.LoadSplit(s.DataFolder, "t10k", s.TestRows);
        if (rows != testRowsPx || cols != testCols) throw new InvalidDataException($"{s.DataFolder}: train images are "
            + $"{rows}x{cols} but test images {testRowsPx}x{testCols}.");
        int d = rows * cols;
        int nTrain = trainPixels.Length / d, nTest = testPixels.Length / d;
        log.WriteLine($"data: {Path.GetFullPath(s.DataFolder)}: {nTrain} training rows "
            + $"({nTrain - (int)Math.Round(nTrain * s.ValidationFraction)} ≈ train + "
                + $"{(int)Math.Round(nTrain * s.ValidationFraction)} ≈ validation for NICE), {nTest} test rows, D = "
                    + $"{rows}x{cols} = {d}, {Levels} levels");

        var models = new List<DensityRow>();
        var ml = new MLContext(s.Seed);
        var definition = SchemaDefinition.Create(typeof(PixelRow));
        definition[nameof(PixelRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        var trainView = ml.Data.LoadFromEnumerable(ToRows(trainPixels, nTrain, d), definition);
        var testView = ml.Data.LoadFromEnumerable(ToRows(testPixels, nTest, d), definition);

        // NICE.
        var options = new NiceOptions
        {
            Couplings = s.Couplings, HiddenLayers = s.Hidden, HiddenWidth = s.Width, Epochs = s.Epochs,
                BatchSize = s.Batch,
            LearningRate = 1e-3, Beta1 = 0.9, Beta2 = 0.99, AdamEpsilon = 1e-4, Prior = NicePrior.Logistic,
            ValidationFraction = s.ValidationFraction, EarlyStoppingPatience = s.Patience, Seed = s.Seed,
            DequantizationLevels = Levels, QuantizationStep = 1, QuantizationOffset = 0,
                DataDependentInit = s.DataDependentInit,
            CacheInMemory = true, EnsembleMembers = 1, Progress = Progress(s.Epochs, s.Minutes, log),
            MaxTrainingTime = s.Minutes is double m ? TimeSpan.FromMinutes(m) : null,
            Threads = torch.get_num_threads(),   // --threads (Fit sets its own count otherwise)
        };
        log.WriteLine($"NICE: {s.Couplings} additive couplings × {s.Hidden} hidden × {s.Width} ReLU, logistic prior, "
            + $"diagonal scaling; Adam(lr 1e-3, β1 0.9, β2 0.99, ε 1e-4), batch {s.Batch}, "
            + $"up to {s.Epochs} epochs{Budget(s)}{Patience(s)}, best validation epoch kept; "
            + $"data-dependent init {(s.DataDependentInit ? "on (not in the paper)" : "off")}; seed {s.Seed}; "
            + $"torch threads {torch.get_num_threads()}");
        var clock = Stopwatch.StartNew();
        using var nice = ml.Transforms.Nice(options).Fit(trainView);
        double trainSeconds = clock.Elapsed.TotalSeconds;
        var summary = nice.TrainingSummary!;
        var metrics = Phase.Run(log, $"evaluating NICE on {nTest} test rows", () => nice.Evaluate(testView, s.Seed));
        double niceSeconds = clock.Elapsed.TotalSeconds;
        log.WriteLine($"NICE trained {summary.History.Count} epochs in {trainSeconds:F1}s, kept epoch "
            + $"{summary.BestEpoch}; test LL {metrics.LogLikelihood:F2} ± {metrics.StandardError:F2}");
        models.Add(new DensityRow($"NICE ({s.Couplings}×{s.Hidden}×{s.Width})", metrics.LogLikelihood,
            metrics.StandardError, metrics.BitsPerDim,
            $"{summary.BestEpoch} of {summary.History.Count}", niceSeconds, metrics.Rows));

        // Gaussians, double precision, on the same training rows (all of them: they have nothing to select on
        // validation).
        clock.Restart();
        using (var scope = torch.NewDisposeScope())
        {
            var train = DensityGaussians.Dequantize(trainPixels, nTrain, d, Levels, 1.0, s.Seed + 1);
            var test = DensityGaussians.Dequantize(testPixels, nTest, d, Levels, 1.0, s.Seed + 2);
            double prep = clock.Elapsed.TotalSeconds;
            var diag = Phase.Run(log, "fitting and scoring the diagonal Gaussian",
                () => DensityGaussians.Summarize(DensityGaussians.Diagonal(train, test)));
            double diagSeconds = clock.Elapsed.TotalSeconds;
            models.Add(new DensityRow("diagonal Gaussian (ML)", diag.Mean, diag.StandardError,
                DensityGaussians.BitsPerDim(diag.Mean, d, Levels), "closed form", diagSeconds, diag.Rows));
            clock.Restart();
            var full = Phase.Run(log, "fitting and scoring the full-covariance Gaussian",
                () => DensityGaussians.Summarize(DensityGaussians.Full(train, test, s.Ridge)));
            models.Add(new DensityRow(string.Create(CultureInfo.InvariantCulture, $"full-covariance Gaussian (ML, "
                + $"ridge {s.Ridge:G3})"), full.Mean, full.StandardError,
                DensityGaussians.BitsPerDim(full.Mean, d, Levels), "closed form", clock.Elapsed.TotalSeconds + prep,
                    full.Rows));
        }

        var files = new List<string>();
        if (s.OutDir is not null)
        {
            Directory.CreateDirectory(s.OutDir);
            files.Add(WriteCsv(summary.History, Path.Combine(s.OutDir, "history.csv")));
            try { files.Add(WritePlot(summary.History, models, Path.Combine(s.OutDir, "nll.png"))); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                log.WriteLine($"could not draw the plot ({e.GetType().Name}: {e.Message}); the history is in the CSV.");
            }
        }
        return new DensityResult(models, summary.History, summary.BestEpoch, d, nTrain, nTest, files);
    }

    private static string R(double? v) => v is double x ? x.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Budget(DensitySettings s)
        => s.Minutes is double m ? string.Create(CultureInfo.InvariantCulture, $" or {m:G4} minutes of training") : "";

    private static string Patience(DensitySettings s)
        => s.Patience > 0 ? $" (early stop after {s.Patience} without improvement)" : "";

    private static Action<NiceEpochReport> Progress(int epochs, double? minutes, TextWriter log)
    {
        double total = 0;
        return r =>
        {
            total += r.Seconds;
            double left = total / r.Epoch * (epochs - r.Epoch);
            if (minutes is double m) left = Math.Min(left, Math.Max(0, m * 60 - total) + total / r.Epoch);
            log.WriteLine($"{r}  elapsed {total,6:F0}s  ETA ≤ {left,6:F0}s");
            log.Flush();
        };
    }

    private static IEnumerable<PixelRow> ToRows(float[] pixels, int n, int d)
    {
        for (int i = 0; i < n; i++) yield return new PixelRow { Features = pixels.AsSpan(i * d, d).ToArray() };
    }

    /// <summary>epoch,train_nll,valid_nll,train_bpd,valid_bpd,seconds,is_best (nats on [0,1]ᴰ; bits/dim on
    /// [0,256)).</summary>
    public static string WriteCsv(IReadOnlyList<NiceEpochReport> history, string path)
    {
        var sb = new StringBuilder("epoch,train_nll,valid_nll,train_bpd,valid_bpd,seconds,is_best\n");
        foreach (var r in history)
            sb.Append(string.Create(CultureInfo.InvariantCulture,
                $"{r.Epoch},{r.TrainNll:R},{R(r.ValidNll)},{r.TrainBitsPerDim:R},{R(r.ValidBitsPerDim)},{r.Seconds:F3},"
                + $"{(r.IsBest ? 1 : 0)}\n"));
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    /// <summary>Training and validation NLL per epoch (nats on [0,1]ᴰ), with the Gaussians' test NLL as horizontal
    /// lines when they fall in view.</summary>
    public static string WritePlot(IReadOnlyList<NiceEpochReport> history, IReadOnlyList<DensityRow> models,
        string path)
    {
        var plot = new PlotModel { Title = "NICE: negative log-likelihood per epoch", Background = OxyColors.White };
        plot.Legends.Add(new Legend { LegendPosition = LegendPosition.RightTop,
            LegendBackground = OxyColor.FromAColor(220, OxyColors.White) });
        plot.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "epoch",
            MajorGridlineStyle = LineStyle.Dot, MinimumMajorStep = 1, MinimumMinorStep = 1 });
        var y = new LinearAxis { Position = AxisPosition.Left, Title = "NLL (nats on [0,1]^D, lower is better)",
            MajorGridlineStyle = LineStyle.Dot };
        plot.Axes.Add(y);
        var train = new LineSeries { Title = "train (epoch mean)", Color = OxyColors.SteelBlue,
            MarkerType = history.Count <= 50 ? MarkerType.Circle : MarkerType.None, MarkerSize = 3 };
        var valid = new LineSeries { Title = "validation", Color = OxyColors.OrangeRed,
            MarkerType = history.Count <= 50 ? MarkerType.Square : MarkerType.None, MarkerSize = 3 };
        foreach (var r in history)
        {
            train.Points.Add(new DataPoint(r.Epoch, r.TrainNll));
            if (r.ValidNll is double v) valid.Points.Add(new DataPoint(r.Epoch, v));
        }
        plot.Series.Add(train);
        if (valid.Points.Count > 0) plot.Series.Add(valid);
        var nice = models.FirstOrDefault(m => m.Model.StartsWith("NICE", StringComparison.Ordinal));
        if (nice is not null)
            plot.Series.Add(Level($"NICE test (best epoch): {-nice.LogLikelihood:F1}", -nice.LogLikelihood,
                history.Count, OxyColors.DarkGreen));
        // Gaussians as levels, only if they would not flatten the curves (within the curves' range widened by half).
        var all = train.Points.Concat(valid.Points).Select(p => p.Y).ToArray();
        double lo = all.Min(), hi = all.Max(), span = Math.Max(hi - lo, 1);
        var colors = new[] { OxyColors.Gray, OxyColors.Purple };
        int index = 0;
        foreach (var g in models.Where(m => !m.Model.StartsWith("NICE", StringComparison.Ordinal)))
        {
            var color = colors[index++ % colors.Length];
            double nll = -g.LogLikelihood;
            string name = g.Model.Split(" (")[0];
            if (nll >= lo - span / 2 && nll <= hi + span / 2) plot.Series.Add(Level($"{name} test: {nll:F1}", nll,
                history.Count, color));
            else plot.Subtitle = (plot.Subtitle is null ? "" : plot.Subtitle + "; ")
                + $"{name} test NLL {nll:F1} (off the chart)";
        }
        var tmp = path + ".tmp";
        using (var stream = File.Create(tmp))
            new OxyPlot.SkiaSharp.PngExporter { Width = 900, Height = 560 }.Export(plot, stream);
        File.Move(tmp, path, overwrite: true);
        return path;
    }

    private static LineSeries Level(string title, double value, int epochs, OxyColor color)
    {
        var s = new LineSeries { Title = title, Color = color, LineStyle = LineStyle.Dash };
        s.Points.Add(new DataPoint(1, value));
        s.Points.Add(new DataPoint(Math.Max(epochs, 2), value));
        return s;
    }

    private sealed class PixelRow
    {
        public float[] Features = Array.Empty<float>();
    }
}
