using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Flow;
using TorchSharp;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// Scoring throughput of one model, measured in one run: the raw batched forward pass, IDataView Transform (batched cursor),
/// PredictionEngine (row by row), and the model loaded back from a zip by mlContext.Model.Load (ONNX Runtime, row by row);
/// then process memory over many streamed rows.
/// </summary>
public sealed class BenchScoreCommand : ICommand
{
    public string Name => "bench-score";
    public string Summary => "scoring rows/s: raw forward, Transform, PredictionEngine, zip-loaded; memory over --memory-rows rows";

    public int Run(Args args)
    {
        int d = args.Int("dim", 784);
        int rows = args.Int("rows", 20_000);
        int width = args.Int("width", 1000);
        int hidden = args.Int("hidden", 5);
        int couplings = args.Int("couplings", 4);
        int batch = args.Int("batch", 512);
        int slowRows = args.Int("slow-rows", 2_000);
        long memoryRows = args.Int("memory-rows", 200_000);
        int threads = args.Int("threads", Environment.ProcessorCount);
        args.ThrowOnUnknown();
        torch.set_num_threads(threads);
        Console.WriteLine($"bench-score on {Machine.Describe()}, torch threads {threads}");
        Console.WriteLine($"model D={d}, {couplings} couplings × {hidden} hidden × {width}; scoring batch {batch}; {rows} rows");

        var ml = new MLContext(1);
        var data = ml.Data.Cache(ml.Data.LoadFromEnumerable(RandomRows(rows, d, 1), Definition(d)));
        using var model = ml.Transforms.Nice(new NiceOptions
        {
            Couplings = couplings, HiddenLayers = hidden, HiddenWidth = width, Epochs = 1, BatchSize = 256,
            ValidationFraction = 0, ScoringBatchSize = batch,
        }).Fit(ml.Data.TakeRows(data, 2_000));
        var flat = RandomRows(rows, d, 1).SelectMany(r => r.Features).ToArray();

        // 1. Raw batched forward: the FlowScorer on pre-flattened rows, no IDataView.
        var scorer = new FlowScorer(model.Flow, model.Dequantization);
        var ll = new float[batch];
        var z = new float[batch * d];
        var chunk = new float[batch * d];
        double raw = Rate(rows, () =>
        {
            for (int start = 0; start < rows; start += batch)
            {
                int n = Math.Min(batch, rows - start);
                Array.Copy(flat, (long)start * d, chunk, 0, (long)n * d);
                scorer.Score(chunk, n, z, ll);
            }
        });
        // 2. IDataView Transform, reading both output columns through one cursor.
        double transform = Rate(rows, () => Drain(model.Transform(data), "Latent", "LogLikelihood"));
        // 3. PredictionEngine, one row per call.
        var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model, inputSchemaDefinition: Definition(d));
        var sample = RandomRows(slowRows, d, 2).ToArray();
        double predictionEngine = Rate(slowRows, () => { foreach (var r in sample) engine.Predict(r); });
        // 4. The zip loaded back by ML.NET (OnnxTransformer, row by row).
        string zip = Path.Combine(Path.GetTempPath(), $"nice-bench-{Environment.ProcessId}.zip");
        ml.Model.Save(model, data.Schema, zip);
        var loaded = ml.Model.Load(zip, out _);
        File.Delete(zip);
        var slowData = ml.Data.TakeRows(data, slowRows);
        double zipLoaded = Rate(slowRows, () => Drain(loaded.Transform(slowData), "Latent", "LogLikelihood"));

        Console.WriteLine();
        Console.WriteLine("| path | rows/s | vs raw forward |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine($"| raw batched forward (batch {batch}) | {raw:F0} | 1.00 |");
        Console.WriteLine($"| IDataView Transform (batched cursor) | {transform:F0} | {transform / raw:F2} |");
        Console.WriteLine($"| PredictionEngine (row by row) | {predictionEngine:F0} | {predictionEngine / raw:F2} |");
        Console.WriteLine($"| mlContext.Model.Load zip (ONNX Runtime, row by row) | {zipLoaded:F0} | {zipLoaded / raw:F2} |");

        if (memoryRows > 0) Memory(ml, model, d, memoryRows);
        return 0;
    }

    private static void Memory(MLContext ml, NiceTransformer model, int d, long total)
    {
        Console.WriteLine();
        Console.WriteLine($"memory while scoring {total:N0} streamed rows through Transform (working set after GC):");
        var streamed = ml.Data.LoadFromEnumerable(RandomRows(total, d, 3), Definition(d));
        using var cursor = model.Transform(streamed).GetRowCursor(model.Transform(streamed).Schema.Where(c => c.Name == "LogLikelihood"));
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
                Console.WriteLine($"  {n,12:N0} rows  {Environment.WorkingSet / 1048576.0,8:F1} MiB  {n / clock.Elapsed.TotalSeconds,8:F0} rows/s");
            }
        }
    }

    private static double Rate(long rows, Action run)
    {
        run(); // warm-up
        var clock = Stopwatch.StartNew();
        run();
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
