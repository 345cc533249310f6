using System;
using System.Diagnostics;
using System.Globalization;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Flow;
using TorchSharp;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// Process memory while training, measured in a process of its own (so nothing else's allocations count): the working set after
/// every epoch (after a full GC) and the peak. Rows are generated on the fly and streamed when --cache false, so two runs with
/// --rows 6000 and --rows 60000 show whether memory is bounded independently of the data size.
/// </summary>
public sealed class BenchMemoryCommand : ICommand
{
    public string Name => "bench-memory";
    public string Summary => "working set per epoch and peak while training (--rows, --epochs, --cache true|false, --dim, --gen0-every N steps when streaming, 0 = off)";

    public int Run(Args args)
    {
        int rows = args.Int("rows", 6000);
        int epochs = args.Int("epochs", 20);
        int d = args.Int("dim", 64);
        int width = args.Int("width", 256);
        bool cache = args.String("cache", "false") == "true";
        int gen0 = args.Int("gen0-every", new NiceOptions().ToTrainingSettings().StreamingGen0Interval);
        args.ThrowOnUnknown();
        Console.WriteLine($"bench-memory on {Machine.Describe()}: D={d}, {rows} rows, {epochs} epochs, cache {cache}, 4 couplings × 3 × {width}");
        using var flow = GlobalRandom.Seeded(1, () => new NiceFlow(new NiceOptions { Couplings = 4, HiddenLayers = 3, HiddenWidth = width }.ToFlowConfig(d)));
        var source = new GeneratedRows(rows, d);
        using var process = Process.GetCurrentProcess();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        const int batch = 200;
        int steps = (int)Math.Ceiling(rows * (1 - new NiceOptions().ToTrainingSettings().ValidationFraction) / batch);
        FlowTrainer.Train(flow, source, new NiceOptions().ToTrainingSettings() with
        {
            Epochs = epochs, BatchSize = batch, Seed = 1, EarlyStoppingPatience = 0, CacheInMemory = cache, ShufflePoolRows = 1000, StreamingGen0Interval = gen0,
            Progress = r =>
            {
                long now = GC.GetAllocatedBytesForCurrentThread();
                double perStep = (now - allocated) / 1024.0 / steps;
                allocated = now;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                process.Refresh();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {r.Epoch} working-set-mb {process.WorkingSet64 / 1048576.0:F1} live-tensors {DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount} managed-kb-allocated-per-step {perStep:F1} gen0-collections {GC.CollectionCount(0)}"));
            },
        });
        process.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak-working-set-mb {process.PeakWorkingSet64 / 1048576.0:F1}"));
        return 0;
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

        public System.Collections.Generic.IEnumerable<ReadOnlyMemory<float>> ReadRows()
        {
            var row = new float[Dimension];
            var random = new Random(1);
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < row.Length; j++) row[j] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
                yield return row;
            }
        }
    }
}
