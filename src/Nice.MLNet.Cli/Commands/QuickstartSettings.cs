using System;
using System.Globalization;
using System.IO;

namespace Nice.MLNet.Cli.Commands;

/// <summary>What every quickstart input shares: the model size, the epochs, the seed, where pictures go.</summary>
internal sealed record QuickstartSettings(int Epochs, int Width, int Seed, DirectoryInfo Out, bool PlainInit,
    TextWriter Output)
{
    /// <summary>4 couplings × 3 hidden layers × <see cref="Width"/>, batch 64, patience 8, with a progress line per
    /// epoch.</summary>
    public NiceOptions Options() => new()
    {
        Couplings = 4, HiddenLayers = 3, HiddenWidth = Width, Epochs = Epochs, BatchSize = 64, Seed = Seed,
        EarlyStoppingPatience = 8, DataDependentInit = !PlainInit, EnsembleMembers = 1, Progress = Progress(),
    };

    private Action<NiceEpochReport> Progress()
    {
        double total = 0;
        return r =>
        {
            total += r.Seconds;
            double eta = total / r.Epoch * (Epochs - r.Epoch);
            Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r}  ETA ≤ {eta,4:F0}s"));
            Output.Flush();
        };
    }

    /// <summary>A file in <see cref="Out"/> (created when missing).</summary>
    public string OutFile(string name)
    {
        Directory.CreateDirectory(Out.FullName);
        return Path.Combine(Out.FullName, name);
    }
}
