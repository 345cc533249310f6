using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Cli.Data;
using Nice.MLNet.Flow;
using TorchSharp;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// NICE against its successors on Fashion-MNIST, in one run with the same budget: NICE (additive couplings), NICE with Glow's
/// learned LU mixing, RealNVP's affine coupling alone, with LU mixing, and with LU mixing and actnorm. Each model trains for
/// --epochs (and at most --seconds of wall time, if given) with the same width, depth, optimizer and seed; the table gives
/// test bits/dim from <see cref="NiceTransformer.Evaluate"/> (uniform dequantization, 256 levels), epochs run, the epoch kept
/// and the seconds spent.
/// </summary>
public sealed class FlowsBenchCommand : ICommand
{
    public string Name => "flows";

    public string Summary => "NICE vs NICE+LU vs RealNVP (affine; +LU; +LU+actnorm) on Fashion-MNIST, same budget: test bits/dim table; --train-rows --test-rows --epochs --seconds --width --hidden --couplings --batch --models --seed";

    private sealed record Variant(string Name, NiceCoupling Coupling, NiceMixing Mixing, bool ActNorm);

    private static readonly Variant[] All =
    {
        new("nice", NiceCoupling.Additive, NiceMixing.None, false),
        new("nice-lu", NiceCoupling.Additive, NiceMixing.LU, false),
        new("realnvp", NiceCoupling.Affine, NiceMixing.None, false),
        new("realnvp-lu", NiceCoupling.Affine, NiceMixing.LU, false),
        new("realnvp-lu-actnorm", NiceCoupling.Affine, NiceMixing.LU, true),
    };

    private sealed class Row
    {
        [VectorType(784)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    public int Run(Args args)
    {
        int trainRows = args.Int("train-rows", 60_000);
        int testRows = args.Int("test-rows", 10_000);
        int epochs = args.Int("epochs", 10);
        double seconds = args.Double("seconds", 0);
        int width = args.Int("width", 256);
        int hidden = args.Int("hidden", 3);
        int couplings = args.Int("couplings", 4);
        int batch = args.Int("batch", 200);
        int seed = args.Int("seed", 1);
        string models = args.String("models", string.Join(",", All.Select(v => v.Name)));
        args.ThrowOnUnknown();
        if (trainRows < 10 || testRows < 1 || epochs < 1 || width < 1 || hidden < 1 || couplings < 1 || batch < 1 || seconds < 0)
            throw new ArgumentException("--train-rows >= 10, --test-rows, --epochs, --width, --hidden, --couplings, --batch >= 1 and --seconds >= 0 (0 = no time limit).");
        var variants = models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => All.FirstOrDefault(v => v.Name == n) ?? throw new ArgumentException($"--models: unknown '{n}'; known: {string.Join(", ", All.Select(v => v.Name))}."))
            .ToList();

        Console.WriteLine($"command: nice flows {string.Join(" ", Environment.GetCommandLineArgs().Skip(2))}".TrimEnd());
        Console.WriteLine($"machine: {Machine.Describe()}; torch threads {torch.get_num_threads()}; load average at start {BenchTrainCommand.LoadAverage()}");
        var (trainPixels, _, h, w) = Idx.LoadSplit(Idx.FashionMnistFolder, "train", trainRows);
        var (testPixels, _, _, _) = Idx.LoadSplit(Idx.FashionMnistFolder, "t10k", testRows);
        int d = h * w;
        int nTrain = trainPixels.Length / d, nTest = testPixels.Length / d;
        Console.WriteLine($"data: Fashion-MNIST {h}x{w}, {nTrain} training rows (10% held out for the best epoch), {nTest} test rows; 256 levels, uniform dequantization");
        Console.WriteLine($"models: {couplings} couplings x {hidden} hidden x {width} ReLU, logistic prior, Adam 1e-3, batch {batch}, data-dependent init, seed {seed}; budget {epochs} epochs{(seconds > 0 ? $" or {seconds:F0} s of wall time" : "")} per model");

        var ml = new MLContext(seed);
        var test = ml.Data.LoadFromEnumerable(Enumerable.Range(0, nTest).Select(i => new Row { Features = testPixels.AsSpan(i * d, d).ToArray() }));
        var results = new List<(Variant V, long Parameters, int Epochs, int Best, double Seconds, double? Valid, NiceDensityMetrics Test, bool Stopped)>();
        foreach (var v in variants)
        {
            var options = new NiceOptions
            {
                Couplings = couplings, HiddenLayers = hidden, HiddenWidth = width, Epochs = epochs, BatchSize = batch, Seed = seed,
                DequantizationLevels = 256, Coupling = v.Coupling, Mixing = v.Mixing, ActNorm = v.ActNorm,
            };
            var history = new List<NiceEpochReport>();
            using var budget = seconds > 0 ? new CancellationTokenSource(TimeSpan.FromSeconds(seconds)) : new CancellationTokenSource();
            options.CancellationToken = budget.Token;
            options.Progress = r =>
            {
                history.Add(r);
                Console.WriteLine($"  {v.Name,-19} epoch {r.Epoch,3}: train {r.TrainBitsPerDim:F4}, valid {r.ValidBitsPerDim:F4} bits/dim, {r.Seconds:F1} s{(r.IsBest ? " *" : "")}");
            };
            torch.random.manual_seed(seed);
            var flow = new NiceFlow(options.ToFlowConfig(d));
            long parameters = flow.parameters().Sum(p => p.numel());
            var clock = Stopwatch.StartNew();
            bool stopped = false;
            try
            {
                FlowTrainer.Train(flow, new ArrayRowSource(trainPixels, d), options.ToTrainingSettings());
            }
            catch (OperationCanceledException)
            {
                stopped = true;   // the trainer left the best weights so far
            }
            catch
            {
                flow.Dispose();
                throw;
            }
            double elapsed = clock.Elapsed.TotalSeconds;
            using var model = new NiceTransformer(flow, options.ToDequantization(), NiceColumns.From(options), options.ScoringBatchSize,
                new NiceTrainingSummary(history, nTrain, 0));
            var metrics = model.Evaluate(test, seed);
            var best = history.LastOrDefault(r => r.IsBest);
            results.Add((v, parameters, history.Count, best?.Epoch ?? 0, elapsed, best?.ValidBitsPerDim, metrics, stopped));
            Console.WriteLine($"  {v.Name}: test {metrics.BitsPerDim:F4} bits/dim after {history.Count} epochs, {elapsed:F0} s{(stopped ? " (stopped by --seconds)" : "")}");
        }

        Console.WriteLine();
        Console.WriteLine("| model | coupling | mixing | actnorm | parameters | epochs | kept | seconds | valid bits/dim | test bits/dim (± s.e.) |");
        Console.WriteLine("|---|---|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            double se = r.Test.StandardError / (d * Math.Log(2));
            Console.WriteLine($"| {r.V.Name} | {r.V.Coupling} | {r.V.Mixing} | {(r.V.ActNorm ? "yes" : "no")} | {r.Parameters:N0} | {r.Epochs}{(r.Stopped ? " (time)" : "")} | {r.Best} | {r.Seconds:F0} | {(r.Valid is double vb ? vb.ToString("F4") : "–")} | {r.Test.BitsPerDim:F4} ± {se:F4} |");
        }
        Console.WriteLine($"load average at end: {BenchTrainCommand.LoadAverage()}  (the machine is shared: seconds are wall time under that load)");
        return 0;
    }
}
