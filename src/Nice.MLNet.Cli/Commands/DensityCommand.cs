using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Cli.Data;
using TorchSharp;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// The NICE paper's density benchmark (§5.1, MNIST model) on Fashion-MNIST or any MNIST-format folder: test log-likelihood
/// in nats and bits/dim for NICE, a diagonal and a full-covariance Gaussian, with the per-epoch history as CSV and PNG.
/// </summary>
public sealed class DensityCommand : ICommand
{
    public string Name => "density";
    public string Summary => "NICE vs Gaussian baselines on (Fashion-)MNIST: test LL (nats), bits/dim; --preset paper|reduced, --epochs N, --minutes M (training budget), --data DIR, --out DIR for CSV + PNG";

    /// <summary>
    /// The reduced preset: the paper's depth (4 couplings × 5 hidden layers), optimizer, batch and 50k/10k split of all 60k training
    /// rows, but 300 units per hidden layer instead of 1000 (8× fewer weights) and 5 epochs, so it ends within 20 minutes on 2 shared cores.
    /// </summary>
    public static DensitySettings Reduced => new() { Epochs = 5, Width = 300 };

    /// <summary>The paper's setup: 60k training rows (50k train / 10k validation), 4×5×1000, batch 200, up to 1500 epochs, best validation epoch kept.</summary>
    public static DensitySettings Paper => new() { Epochs = 1500 };

    public int Run(Args args)
    {
        string preset = args.String("preset", "reduced");
        var s = preset switch
        {
            "paper" => Paper,
            "reduced" => Reduced,
            _ => throw new ArgumentException($"--preset: '{preset}' is not 'paper' or 'reduced'."),
        };
        int? trainRows = args.String("train-rows") is null ? s.TrainRows : args.Int("train-rows", 0);
        int? testRows = args.String("test-rows") is null ? s.TestRows : args.Int("test-rows", 0);
        s = s with
        {
            DataFolder = args.String("data", s.DataFolder),
            Epochs = args.Int("epochs", s.Epochs),
            Minutes = args.String("minutes") is null ? s.Minutes : args.Double("minutes", 0),
            TrainRows = trainRows,
            TestRows = testRows,
            Width = args.Int("width", s.Width),
            Hidden = args.Int("hidden", s.Hidden),
            Couplings = args.Int("couplings", s.Couplings),
            Batch = args.Int("batch", s.Batch),
            Patience = args.Int("patience", s.Patience),
            Seed = args.Int("seed", s.Seed),
            Ridge = args.Double("ridge", s.Ridge),
            ValidationFraction = args.Double("validation-fraction", s.ValidationFraction),
            DataDependentInit = !args.Flag("no-data-init"),
            OutDir = args.String("out", "out/density"),
        };
        int threads = args.Int("threads", Environment.ProcessorCount);
        args.ThrowOnUnknown();
        if (s.TrainRows is <= 1) throw new ArgumentException($"--train-rows must be at least 2, not {s.TrainRows}.");
        if (s.Minutes is <= 0) throw new ArgumentException($"--minutes must be positive, not {s.Minutes}.");
        if (s.TestRows is <= 0) throw new ArgumentException($"--test-rows must be positive, not {s.TestRows}.");
        if (!Directory.Exists(s.DataFolder)) throw new ArgumentException($"--data: folder not found: {s.DataFolder}");
        torch.set_num_threads(threads);

        string commandLine = "./run.sh " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1));
        Console.WriteLine($"density benchmark ({preset} preset) on {Machine.Describe()}");
        Console.WriteLine($"command: {commandLine}");
        var clock = Stopwatch.StartNew();
        var result = DensityBench.Run(s, Console.Out);
        Console.WriteLine();
        Console.WriteLine($"Test set: {result.TestRows} rows of {Path.GetFullPath(s.DataFolder)}; LL = mean log p(x) in nats of a density on [0,1]^{result.Dimension} " +
                          $"with x = (k+u)/256, u ~ U(0,1) (one seeded draw); bits/dim on the [0,256) scale = (-LL + D ln 256)/(D ln 2). Wall time: training + test evaluation.");
        Console.WriteLine();
        Console.Write(result.Table());
        Console.WriteLine();
        Console.WriteLine($"machine: {Machine.Describe()}");
        Console.WriteLine($"command: {commandLine}");
        Console.WriteLine("paper (Dinh et al. 2014, Table 2), NICE on MNIST: 1980.50 nats; the paper reports no Fashion-MNIST number.");
        foreach (var f in result.Files) Console.WriteLine($"wrote {Path.GetFullPath(f)}");
        Console.WriteLine($"total {clock.Elapsed.TotalSeconds:F1}s");
        return 0;
    }
}
