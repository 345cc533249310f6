using System;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Cli.Datasets;
using Nice.MLNet.Cli.Hosting;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// The NICE paper's density benchmark (§5.1, MNIST model) on Fashion-MNIST or any MNIST-format folder: test
/// log-likelihood in nats and bits/dim for NICE, a diagonal and a full-covariance Gaussian, with the per-epoch history
/// as CSV and PNG.
/// </summary>
public sealed class DensityCommand : Command
{
    /// <summary>
    /// The reduced preset: the paper's depth (4 couplings × 5 hidden layers), optimizer, batch and 50k/10k split of all
    /// 60k training rows, but 300 units per hidden layer instead of 1000 (8× fewer weights) and 5 epochs, so it ends
    /// within 20 minutes on 2 shared cores.
    /// </summary>
    public static DensitySettings Reduced => new() { Epochs = 5, Width = 300 };

    /// <summary>The paper's setup: 60k training rows (50k train / 10k validation), 4×5×1000, batch 200, up to 1500
    /// epochs, best validation epoch kept.</summary>
    public static DensitySettings Paper => new() { Epochs = 1500 };

    private readonly Option<string> preset = CliOptions.Choice("--preset",
        "paper: 4x5x1000, up to 1500 epochs; reduced: 4x5x300, 5 epochs. Options below override the "
            + "preset.", "reduced", "paper", "reduced");
    private readonly Option<DirectoryInfo?> data = CliOptions.ExistingFolder("--data",
        $"An MNIST-format folder (train-/t10k-images-idx3-ubyte[.gz] and labels) [default: {Idx.FashionMnistFolder}]");
    private readonly Option<int?> epochs = CliOptions.OptionalInt("--epochs", "Maximum epochs [default: the preset's, "
        + "1500 or 5]");
    private readonly Option<double?> minutes = CliOptions.OptionalDouble("--minutes",
        "Training budget in minutes (NiceOptions.MaxTrainingTime: stops after the epoch that crosses it) [default: "
            + "none]", exclusiveMin: true);
    private readonly Option<int?> trainRows = CliOptions.OptionalInt("--train-rows", "First rows of the training file "
        + "to use [default: all]", min: 2);
    private readonly Option<int?> testRows = CliOptions.OptionalInt("--test-rows", "First rows of the test file to "
        + "use [default: all]");
    private readonly Option<int?> width = CliOptions.OptionalInt("--width", "Hidden units per layer [default: the "
        + "preset's, 1000 or 300]");
    private readonly Option<int> hidden = CliOptions.Int("--hidden", "Hidden layers per coupling network", 5);
    private readonly Option<int> couplings = CliOptions.Int("--couplings", "Coupling layers", 4);
    private readonly Option<int> batch = CliOptions.Int("--batch", "Rows per training step", 200);
    private readonly Option<int> patience = CliOptions.Int("--patience", "Early-stopping patience in epochs; 0 = run "
        + "every epoch", 0, min: 0);
    private readonly Option<int> seed = CliOptions.Int("--seed", "Seed of the weights, the split and the noise", 1,
        min: 0);
    private readonly Option<double> ridge = CliOptions.Double("--ridge", "Added to the full Gaussian's covariance "
        + "diagonal", 1e-6);
    private readonly Option<double> validation = CliOptions.Double("--validation-fraction",
        "Training rows held out to pick the best epoch (1/6 = the paper's 10k of 60k)", 1.0 / 6, min: 0, max: 0.9);
    private readonly Option<bool> noDataInit = CliOptions.Flag("--no-data-init", "Use the paper's initialization "
        + "instead of the data-dependent one");
    private readonly Option<DirectoryInfo> output = CliOptions.OutputFolder("--out", "Folder for history.csv and "
        + "nll.png", "out/density");
    private readonly Option<int> threads = CliOptions.Int("--threads", "Torch threads for this run (default: the "
        + "logical CPUs)",
        Environment.ProcessorCount);

    public DensityCommand()
        : base("density", "NICE vs Gaussian baselines on (Fashion-)MNIST: test log-likelihood (nats) and bits/dim, "
            + "history CSV and PNG.")
    {
        foreach (var option in new Option[] { preset, data, epochs, minutes, trainRows, testRows, width, hidden,
            couplings, batch,
                     patience, seed, ridge, validation, noDataInit, output, threads })
            Options.Add(option);
        SetAction(Run);
    }

    private int Run(ParseResult p)
    {
        var log = p.InvocationConfiguration.Output;
        string presetName = p.GetValue(preset)!;
        var s = presetName == "paper" ? Paper : Reduced;
        s = s with
        {
            DataFolder = p.GetValue(data)?.FullName ?? s.DataFolder,
            Epochs = p.GetValue(epochs) ?? s.Epochs,
            Minutes = p.GetValue(minutes) ?? s.Minutes,
            TrainRows = p.GetValue(trainRows) ?? s.TrainRows,
            TestRows = p.GetValue(testRows) ?? s.TestRows,
            Width = p.GetValue(width) ?? s.Width,
            Hidden = p.GetValue(hidden),
            Couplings = p.GetValue(couplings),
            Batch = p.GetValue(batch),
            Patience = p.GetValue(patience),
            Seed = p.GetValue(seed),
            Ridge = p.GetValue(ridge),
            ValidationFraction = p.GetValue(validation),
            DataDependentInit = !p.GetValue(noDataInit),
            OutDir = p.GetValue(output)!.FullName,
        };
        if (!Directory.Exists(s.DataFolder))
            throw new DirectoryNotFoundException($"{s.DataFolder} not found. For Fashion-MNIST on Debian: apt-get "
                + $"install dataset-fashion-mnist (./run.sh density does it), or pass --data DIR.");
        using var torchThreads = TorchThreads.Use(p.GetValue(threads));

        string commandLine = CommandLine(p);
        log.WriteLine($"density benchmark ({presetName} preset) on {Machine.Describe()}");
        log.WriteLine($"command: {commandLine}");
        var clock = Stopwatch.StartNew();
        var result = DensityBench.Run(s, log);
        log.WriteLine();
        log.WriteLine($"Test set: {result.TestRows} rows of {s.DataFolder}; LL = mean log p(x) in nats of a density "
            + $"on [0,1]^{result.Dimension} "
            + "with x = (k+u)/256, u ~ U(0,1) (one seeded draw); bits/dim on the [0,256) scale = (-LL + D ln 256)/(D "
                + "ln 2). "
            + "Wall time: training + test evaluation.");
        log.WriteLine();
        log.Write(result.Table());
        log.WriteLine();
        log.WriteLine($"machine: {Machine.Describe()}");
        log.WriteLine($"command: {commandLine}");
        log.WriteLine("paper (Dinh et al. 2014, Table 2), NICE on MNIST: 1980.50 nats; the paper reports no "
            + "Fashion-MNIST number.");
        foreach (var f in result.Files) log.WriteLine($"wrote {Path.GetFullPath(f)}");
        log.WriteLine($"total {clock.Elapsed.TotalSeconds:F1}s");
        return CliHost.Success;
    }

    /// <summary>The command as typed: <c>./run.sh density --preset paper ...</c>.</summary>
    internal static string CommandLine(ParseResult p)
        => string.Join(" ", new[] { p.RootCommandResult.Command.Name }.Concat(p.Tokens.Select(t => t.Value)));
}
