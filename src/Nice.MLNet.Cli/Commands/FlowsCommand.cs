using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Cli.Datasets;
using Nice.MLNet.Cli.Hosting;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// NICE against its successors on Fashion-MNIST, in one run with the same budget: NICE (additive couplings), NICE with
/// Glow's learned LU mixing, RealNVP's affine coupling alone, with LU mixing, and with LU mixing and actnorm. Each
/// model is fitted by <c>mlContext.Transforms.Nice</c> for --epochs, and at most --seconds of training (<see
/// cref="NiceOptions.MaxTrainingTime"/>: it stops after the epoch that crosses the budget and keeps the best validation
/// epoch), with the same width, depth, optimizer and seed; the table gives test bits/dim from <see
/// cref="NiceTransformer.Evaluate"/> (uniform dequantization, 256 levels), epochs run, the epoch kept and the seconds
/// spent.
/// </summary>
public sealed class FlowsCommand : Command
{
    private sealed record Variant(string Name, NiceCoupling Coupling, NiceMixing Mixing, bool ActNorm);

    private static readonly Variant[] All =
    {
        new("nice", NiceCoupling.Additive, NiceMixing.None, false),
        new("nice-lu", NiceCoupling.Additive, NiceMixing.LU, false),
        new("realnvp", NiceCoupling.Affine, NiceMixing.None, false),
        new("realnvp-lu", NiceCoupling.Affine, NiceMixing.LU, false),
        new("realnvp-lu-actnorm", NiceCoupling.Affine, NiceMixing.LU, true),
    };

    private readonly Option<int> trainRows = CliOptions.Int("--train-rows", "Fashion-MNIST training rows (10% held "
        + "out for the best epoch)", 60_000, min: 10);
    private readonly Option<int> testRows = CliOptions.Int("--test-rows", "Fashion-MNIST test rows", 10_000);
    private readonly Option<int> epochs = CliOptions.Int("--epochs", "Maximum epochs per model", 10);
    private readonly Option<double> seconds = CliOptions.Double("--seconds",
        "Training budget per model in seconds (stops after the epoch that crosses it); 0 = none", 0);
    private readonly Option<int> width = CliOptions.Int("--width", "Hidden units per layer", 256);
    private readonly Option<int> hidden = CliOptions.Int("--hidden", "Hidden layers per coupling", 3);
    private readonly Option<int> couplings = CliOptions.Int("--couplings", "Coupling layers", 4);
    private readonly Option<int> batch = CliOptions.Int("--batch", "Rows per training step", 200);
    private readonly Option<int> seed = CliOptions.Int("--seed", "Seed of every model", 1, min: 0);
    private readonly Option<string?> models = CliOptions.Text("--models",
        $"Comma-separated models to run [default: all: {string.Join(",", All.Select(v => v.Name))}]", "NAME,...");

    private sealed class Row
    {
        [VectorType(784)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed record Result(Variant V, long Parameters, NiceTrainingSummary Summary, double Seconds,
        NiceDensityMetrics Test, bool Stopped);

    public FlowsCommand()
        : base("flows", "NICE vs NICE+LU vs RealNVP (affine; +LU; +LU+actnorm) on Fashion-MNIST with the same budget: "
            + "test bits/dim table.")
    {
        foreach (var option in new Option[] { trainRows, testRows, epochs, seconds, width, hidden, couplings, batch,
            seed, models })
            Options.Add(option);
        SetAction(Run);
    }

    private int Run(ParseResult p)
    {
        var log = p.InvocationConfiguration.Output;
        string names = p.GetValue(models) ?? string.Join(",", All.Select(v => v.Name));
        var variants = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => All.FirstOrDefault(v => v.Name == n)
                ?? throw new CliUsageException($"--models: unknown '{n}'; known: "
                    + $"{string.Join(", ", All.Select(v => v.Name))}."))
            .ToList();
        int seed = p.GetValue(this.seed), epochs = p.GetValue(this.epochs);
        double budget = p.GetValue(seconds);

        log.WriteLine($"command: {DensityCommand.CommandLine(p)}");
        log.WriteLine($"machine: {Machine.Describe()}; torch threads {TorchThreads.Current}; load average at start "
            + $"{Machine.LoadAverage()}");
        var (trainPixels, _, h, w) = Idx.LoadSplit(Idx.FashionMnistFolder, "train", p.GetValue(trainRows));
        var (testPixels, _, _, _) = Idx.LoadSplit(Idx.FashionMnistFolder, "t10k", p.GetValue(testRows));
        int d = h * w;
        int nTrain = trainPixels.Length / d, nTest = testPixels.Length / d;
        log.WriteLine($"data: Fashion-MNIST {h}x{w}, {nTrain} training rows (10% held out for the best epoch), "
            + $"{nTest} test rows; 256 levels, uniform dequantization");
        log.WriteLine($"models: {p.GetValue(couplings)} couplings x {p.GetValue(hidden)} hidden x {p.GetValue(width)} "
            + $"ReLU, logistic prior, Adam 1e-3, "
            + $"batch {p.GetValue(batch)}, data-dependent init, seed {seed}; budget {epochs} "
                + $"epochs{(budget > 0 ? $" or {budget:F0} s of training" : "")} per model");

        var ml = new MLContext(seed);
        IDataView View(float[] pixels, int n) => ml.Data.LoadFromEnumerable(Enumerable.Range(0, n).Select(i =>
            new Row { Features = pixels.AsSpan(i * d, d).ToArray() }));
        var train = View(trainPixels, nTrain);
        var test = View(testPixels, nTest);
        var results = new List<Result>();
        foreach (var v in variants)
        {
            var options = new NiceOptions
            {
                Couplings = p.GetValue(couplings), HiddenLayers = p.GetValue(hidden), HiddenWidth = p.GetValue(width),
                    Epochs = epochs,
                BatchSize = p.GetValue(batch), Seed = seed, DequantizationLevels = 256, Coupling = v.Coupling,
                    Mixing = v.Mixing,
                ActNorm = v.ActNorm, MaxTrainingTime = budget > 0 ? TimeSpan.FromSeconds(budget) : null,
                EnsembleMembers = 1,
                Progress = r =>
                {
                    log.WriteLine($"  {v.Name,-19} epoch {r.Epoch,3}: train {r.TrainBitsPerDim:F4}, valid "
                        + $"{r.ValidBitsPerDim:F4} bits/dim, {r.Seconds:F1} s{(r.IsBest ? " *" : "")}");
                    log.Flush();
                },
            };
            var clock = Stopwatch.StartNew();
            using var model = ml.Transforms.Nice(options).Fit(train);
            double elapsed = clock.Elapsed.TotalSeconds;
            var summary = model.TrainingSummary!;
            // Fewer epochs than allowed, and not by early stopping (which needs `patience` epochs without a new best).
            bool stopped = budget > 0 && summary.History.Count < epochs
                && summary.History.Count - summary.BestEpoch < options.EarlyStoppingPatience;
            var metrics = Phase.Run(log, $"  {v.Name}: evaluating {nTest} test rows", () => model.Evaluate(test, seed));
            long parameters = model.GetParameters().Sum(q => (long)q.Values.Length);
            results.Add(new Result(v, parameters, summary, elapsed, metrics, stopped));
            log.WriteLine($"  {v.Name}: test {metrics.BitsPerDim:F4} bits/dim after {summary.History.Count} epochs, "
                + $"{elapsed:F0} s{(stopped ? " (stopped by --seconds)" : "")}");
        }

        log.WriteLine();
        log.WriteLine("| model | coupling | mixing | actnorm | parameters | epochs | kept | seconds | valid bits/dim "
            + "| test bits/dim (± s.e.) |");
        log.WriteLine("|---|---|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            double se = r.Test.StandardError / (d * Math.Log(2));
            var best = r.Summary.History.LastOrDefault(e => e.IsBest);
            string valid = best?.ValidBitsPerDim is double vb ? vb.ToString("F4") : "–";
            log.WriteLine($"| {r.V.Name} | {r.V.Coupling} | {r.V.Mixing} | {(r.V.ActNorm ? "yes" : "no")} | "
                + $"{r.Parameters:N0} | "
                + $"{r.Summary.History.Count}{(r.Stopped ? " (time)" : "")} | {r.Summary.BestEpoch} | {r.Seconds:F0} "
                    + $"| {valid} | {r.Test.BitsPerDim:F4} ± {se:F4} |");
        }
        log.WriteLine($"load average at end: {Machine.LoadAverage()}  (the machine is shared: seconds are wall time "
            + $"under that load)");
        return CliHost.Success;
    }
}
