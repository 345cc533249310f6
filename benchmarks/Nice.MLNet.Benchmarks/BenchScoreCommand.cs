using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Cli.Hosting;
using Nice.MLNet.Flow;
using TorchSharp;

namespace Nice.MLNet.Benchmarks;

/// <summary>
/// Scoring throughput of one model, measured in one run: the raw batched forward pass, IDataView Transform (batched
/// cursor), PredictionEngine (row by row), and the model loaded back from a zip by mlContext.Model.Load (ONNX Runtime,
/// row by row); then process memory over many streamed rows.
/// </summary>
public sealed class BenchScoreCommand : Command
{
    private readonly Option<int> dim = CliOptions.Int("--dim", "Dimension D of the random rows", 784, min: 2);
    private readonly Option<int> rows = CliOptions.Int("--rows", "Rows scored by the batched paths", 20_000);
    private readonly Option<int> width = CliOptions.Int("--width", "Hidden units per layer", 1000);
    private readonly Option<int> hidden = CliOptions.Int("--hidden", "Hidden layers per coupling", 5);
    private readonly Option<int> couplings = CliOptions.Int("--couplings", "Coupling layers", 4);
    private readonly Option<int> batch = CliOptions.Int("--batch", "Scoring batch (NiceOptions.ScoringBatchSize)", 512);
    private readonly Option<int> slowRows = CliOptions.Int("--slow-rows", "Rows scored by the row-by-row paths", 2_000);
    private readonly Option<int> memoryRows = CliOptions.Int("--memory-rows", "Rows streamed through Transform for "
        + "the memory readings; 0 = skip", 200_000, min: 0);
    private readonly Option<int> threads = CliOptions.Int("--threads", "Torch threads for this run (default: the "
        + "logical CPUs)", Environment.ProcessorCount);

    public BenchScoreCommand()
        : base("bench-score", "Scoring rows/s: raw forward, Transform, PredictionEngine, zip-loaded; memory over "
            + "--memory-rows rows.")
    {
        foreach (var option in new Option[] { dim, rows, width, hidden, couplings, batch, slowRows, memoryRows,
            threads }) Options.Add(option);
        SetAction(Run);
    }

    private int Run(ParseResult p)
    {
        var log = p.InvocationConfiguration.Output;
        int d = p.GetValue(dim), rows = p.GetValue(this.rows), batch = p.GetValue(this.batch),
            slowRows = p.GetValue(this.slowRows);
        using var torchThreads = TorchThreads.Use(p.GetValue(threads));
        log.WriteLine($"bench-score on {Machine.Describe()}, torch threads {TorchThreads.Current}");
        log.WriteLine($"model D={d}, {p.GetValue(couplings)} couplings × {p.GetValue(hidden)} hidden × "
            + $"{p.GetValue(width)}; scoring batch {batch}; {rows} rows");

        var ml = new MLContext(1);
        var data = ml.Data.Cache(ml.Data.LoadFromEnumerable(RandomRows(rows, d, 1), Definition(d)));
        using var model = Phase.Run(log, "training the model for one epoch on 2,000 rows", () =>
            ml.Transforms.Nice(new NiceOptions
        {
            Couplings = p.GetValue(couplings), HiddenLayers = p.GetValue(hidden), HiddenWidth = p.GetValue(width),
                Epochs = 1, BatchSize = 256,
            ValidationFraction = 0, ScoringBatchSize = batch,
            EnsembleMembers = 1, InputNormalization = false, Smoothing = 0, DetectColumnKinds = false,   // plain NICE
        }).Fit(ml.Data.TakeRows(data, 2_000)));
        var flat = RandomRows(rows, d, 1).SelectMany(r => r.Features).ToArray();

        // 1. Raw batched forward: the FlowScorer on pre-flattened rows, no IDataView.
        var scorer = new FlowScorer(model.Flow, model.Dequantization);
        var ll = new float[batch];
        var z = new float[batch * d];
        var chunk = new float[batch * d];
        double raw = Rate(log, "raw batched forward", rows, () =>
        {
            for (int start = 0; start < rows; start += batch)
            {
                int n = Math.Min(batch, rows - start);
                Array.Copy(flat, (long)start * d, chunk, 0, (long)n * d);
                scorer.Score(chunk, n, z, ll);
            }
        });
        // 2. IDataView Transform, reading both output columns through one cursor.
        double transform = Rate(log, "IDataView Transform", rows, () =>
            Drain(model.Transform(data), "Latent", "LogLikelihood"));
        // 3. PredictionEngine, one row per call.
        var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model, inputSchemaDefinition: Definition(d));
        var sample = RandomRows(slowRows, d, 2).ToArray();
        double predictionEngine = Rate(log, "PredictionEngine", slowRows, () =>
            { foreach (var r in sample) engine.Predict(r); });
        // 4. The zip loaded back by ML.NET (OnnxTransformer, row by row).
        string zip = Path.Combine(Path.GetTempPath(), $"nice-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, data.Schema, zip);
        var loaded = ml.Model.Load(zip, out _);
        File.Delete(zip);
        var slowData = ml.Data.TakeRows(data, slowRows);
        double zipLoaded = Rate(log, "zip-loaded model", slowRows, () =>
            Drain(loaded.Transform(slowData), "Latent", "LogLikelihood"));

        log.WriteLine();
        log.WriteLine("| path | rows/s | vs raw forward |");
        log.WriteLine("|---|---:|---:|");
        log.WriteLine($"| raw batched forward (batch {batch}) | {raw:F0} | 1.00 |");
        log.WriteLine($"| IDataView Transform (batched cursor) | {transform:F0} | {transform / raw:F2} |");
        log.WriteLine($"| PredictionEngine (row by row) | {predictionEngine:F0} | {predictionEngine / raw:F2} |");
        log.WriteLine($"| mlContext.Model.Load zip (ONNX Runtime, row by row) | {zipLoaded:F0} | {zipLoaded / raw:F2} "
            + $"|");

        if (p.GetValue(memoryRows) is > 0 and var total) Memory(ml, model, d, total, log);
        return CliHost.Success;
    }

    private static void Memory(MLContext ml, NiceTransformer model, int d, long total, TextWriter log)
    {
        log.WriteLine();
        log.WriteLine($"memory while scoring {total:N0} streamed rows through Transform (working set after GC):");
        var streamed = ml.Data.LoadFromEnumerable(RandomRows(total, d, 3), Definition(d));
        using var cursor = model.Transform(streamed).GetRowCursor(model.Transform(streamed).Schema.Where(c =>
            c.Name == "LogLikelihood"));
        var getter = cursor.GetGetter<float>(cursor.Schema["LogLikelihood"]);
        float v = 0;
        long n = 0, step = Math.Max(1, total / 5);
        var clock = Stopwatch.StartNew();
        while (cursor.MoveNext())
        {
            getter(ref v);
            if (++n % step == 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                log.WriteLine($"  {n,12:N0} rows  {Environment.WorkingSet / 1048576.0,8:F1} MiB  "
                    + $"{n / clock.Elapsed.TotalSeconds,8:F0} rows/s");
            }
        }
    }

    /// <summary>Rows per second of the second of two runs (the first warms up), with a progress line per run.</summary>
    private static double Rate(TextWriter log, string what, long rows, Action run)
    {
        Phase.Run(log, $"{what}: warm-up on {rows:N0} rows", run);
        var clock = Stopwatch.StartNew();
        Phase.Run(log, $"{what}: timed run on {rows:N0} rows", run);
        return rows / clock.Elapsed.TotalSeconds;
    }

    private static void Drain(IDataView view, params string[] columns)
    {
        var cols = columns.Select(c => view.Schema[c]).ToArray();
        using var cursor = view.GetRowCursor(cols);
        var latent = cursor.GetGetter<VBuffer<float>>(cols[0]);
        var ll = cursor.GetGetter<float>(cols[1]);
        VBuffer<float> z = default;
        float v = 0;
        while (cursor.MoveNext()) { latent(ref z); ll(ref v); }
    }

    private static SchemaDefinition Definition(int d)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        return definition;
    }

    private static IEnumerable<Row> RandomRows(long n, int d, int seed)
    {
        var rng = new Random(seed);
        for (long i = 0; i < n; i++)
        {
            var f = new float[d];
            for (int j = 0; j < d; j++) f[j] = (float)rng.NextDouble();
            yield return new Row { Features = f };
        }
    }

    public sealed class Row { public float[] Features = Array.Empty<float>(); }

    public sealed class Prediction { public float LogLikelihood; }
}
