using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Nice.MLNet.Cli.Hosting;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// The main job: trains NICE on the embedded UCI digits (or a CSV file, or a folder of images), with a progress line
/// per epoch, then prints the test log-likelihood and bits/dim, an anomaly-detection AUC on a held-out class, and
/// writes a PNG grid of samples.
/// </summary>
public sealed class QuickstartCommand : Command
{
    private readonly Option<FileInfo?> data = CliOptions.ExistingFile("--data",
        "Train on the numeric columns of this CSV file (or .csv.gz) instead of the digits; text columns are skipped.");
    private readonly Option<string?> label = CliOptions.Text("--label",
        "With --data: a column (name, or number from 1) kept out of the features; with two values, the rarer one is "
            + "held "
        + "out as the anomaly class and its AUC is reported.", "COLUMN");
    private readonly Option<bool?> header = new("--header")
    {
        Description = "With --data: whether line 1 is a header (default: detected from the data).",
            HelpName = "true|false",
    };
    private readonly Option<DirectoryInfo?> images = CliOptions.ExistingFolder("--images",
        "Train on a folder of PNG/JPEG/BMP images (gray, resized to --size) instead of the digits.");
    private readonly Option<int> size = CliOptions.Int("--size", "With --images: the side images are resized to", 28,
        min: 2, max: 512);
    private readonly Option<int> epochs = CliOptions.Int("--epochs", "Training epochs (at most; early stopping after "
        + "8 without progress)", 40);
    private readonly Option<int> width = CliOptions.Int("--width", "Hidden units per layer of the coupling networks",
        256);
    private readonly Option<int> seed = CliOptions.Int("--seed", "Seed of the split, the weights and the samples", 1,
        min: 0);
    private readonly Option<DirectoryInfo> output = CliOptions.OutputFolder("--out", "Folder for the samples "
        + "PNG", "out");
    private readonly Option<bool> plainInit = CliOptions.Flag("--plain-init",
        "Start from the paper's initialization instead of the data-dependent one");

    public QuickstartCommand()
        : base("quickstart", "Train NICE on the embedded digits (or --data file.csv, or --images folder): test NLL, "
            + "bits/dim, anomaly AUC, samples PNG.")
    {
        foreach (var option in new Option[] { data, label, header, images, size, epochs, width, seed, output,
            plainInit })
            Options.Add(option);
        Validators.Add(r =>
        {
            bool csv = r.GetValue(data) is not null;
            if (csv && r.GetValue(images) is not null) r.AddError("--data and --images cannot be used together.");
            if (!csv && (r.GetValue(label) is not null || r.GetValue(header) is not null))
                r.AddError("--label and --header apply to --data FILE.csv only.");
        });
        SetAction(Run);
    }

    private int Run(ParseResult p)
    {
        var writer = p.InvocationConfiguration.Output;
        var settings = new QuickstartSettings(p.GetValue(epochs), p.GetValue(width), p.GetValue(seed),
            p.GetValue(output)!,
            p.GetValue(plainInit), writer);
        var ml = new MLContext(settings.Seed);
        var clock = Stopwatch.StartNew();
        writer.WriteLine($"Nice.MLNet quickstart — {System.Environment.ProcessorCount} cores, "
            + $"{RuntimeInformation.OSDescription}");
        if (p.GetValue(images) is { } folder) QuickstartImages.Run(ml, folder, p.GetValue(size), settings);
        else if (p.GetValue(data) is { } file) QuickstartCsv.Run(ml, file, p.GetValue(label), p.GetValue(header),
            settings);
        else QuickstartDigits.Run(ml, settings);
        writer.WriteLine($"total {clock.Elapsed.TotalSeconds:F1}s");
        return CliHost.Success;
    }
}
