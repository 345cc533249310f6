using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Cli.Hosting;
using Nice.MLNet.Flow;
using TorchSharp;

namespace Nice.MLNet.Benchmarks;

/// <summary>
/// Process memory while training, measured in a process of its own (so nothing else's allocations count): the working
/// set after every epoch (after a full GC) and the peak. Rows are generated on the fly and streamed when --cache false,
/// so two runs with --rows 6000 and --rows 60000 show whether memory is bounded independently of the data size. It
/// drives the trainer directly (no IDataView), so only the trainer's memory is measured.
/// </summary>
public sealed class BenchMemoryCommand : Command
{
    private readonly Option<int> rows = CliOptions.Int("--rows", "Generated training rows", 6000, min: 10);
    private readonly Option<int> epochs = CliOptions.Int("--epochs", "Epochs", 20);
    private readonly Option<int> dim = CliOptions.Int("--dim", "Dimension D", 64, min: 2);
    private readonly Option<int> width = CliOptions.Int("--width", "Hidden units per layer (4 couplings x 3 hidden)",
        256);
    private readonly Option<bool> cache = new("--cache") { Description = "Cache the rows in memory (true) or stream "
        + "them every epoch (false)", HelpName = "true|false" };
    private readonly Option<int> gen0 = CliOptions.Int("--gen0-every", "When streaming: a gen-0 collection every N "
        + "steps; 0 = off",
        new NiceOptions().ToTrainingSettings().StreamingGen0Interval, min: 0);

    public BenchMemoryCommand()
        : base("bench-memory", "Working set per epoch and peak while training, rows cached or streamed.")
    {
        foreach (var option in new Option[] { rows, epochs, dim, width, cache, gen0 }) Options.Add(option);
        SetAction(Run);
    }

    private int Run(ParseResult p)
    {
        var log = p.InvocationConfiguration.Output;
        int rows = p.GetValue(this.rows), epochs = p.GetValue(this.epochs), d = p.GetValue(dim),
            width = p.GetValue(this.width);
        bool cache = p.GetValue(this.cache);
        log.WriteLine($"bench-memory on {Machine.Describe()}: D={d}, {rows} rows, {epochs} epochs, cache {cache}, 4 "
            + $"couplings × 3 × {width}");
        using var flow = GlobalRandom.Seeded(1, () => new NiceFlow(
            new NiceOptions { Couplings = 4, HiddenLayers = 3, HiddenWidth = width }.ToFlowConfig(d)));
        var source = new GeneratedRows(rows, d);
        using var process = Process.GetCurrentProcess();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        const int batch = 200;
        int steps = (int)Math.Ceiling(rows * (1 - new NiceOptions().ToTrainingSettings().ValidationFraction) / batch);
        FlowTrainer.Train(flow, source, new NiceOptions().ToTrainingSettings() with
        {
            Epochs = epochs, BatchSize = batch, Seed = 1, EarlyStoppingPatience = 0, CacheInMemory = cache,
                ShufflePoolRows = 1000,
            StreamingGen0Interval = p.GetValue(gen0),
            Progress = r =>
            {
                long now = GC.GetAllocatedBytesForCurrentThread();
                double perStep = (now - allocated) / 1024.0 / steps;
                allocated = now;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                process.Refresh();
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {r.Epoch} working-set-mb {process.WorkingSet64 / 1048576.0:F1} live-tensors "
                        + $"{DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount} "
                            + $"managed-kb-allocated-per-step {perStep:F1} gen0-collections {GC.CollectionCount(0)}"));
                log.Flush();
            },
        });
        process.Refresh();
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak-working-set-mb "
            + $"{process.PeakWorkingSet64 / 1048576.0:F1}"));
        return CliHost.Success;
    }

    /// <summary>Standard normal rows made on the fly from the row index, so nothing of the data set is held.</summary>
    private sealed class GeneratedRows : IRowSource
    {
        private readonly int rows;

        public GeneratedRows(int rows, int dimension)
        {
            this.rows = rows;
            Dimension = dimension;
        }

        public int Dimension { get; }

        public IEnumerable<ReadOnlyMemory<float>> ReadRows()
        {
            var row = new float[Dimension];
            var random = new Random(1);
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < row.Length; j++)
                    row[j] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()))
                        * Math.Cos(2 * Math.PI * random.NextDouble()));
                yield return row;
            }
        }
    }
}
