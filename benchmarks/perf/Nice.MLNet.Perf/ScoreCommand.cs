using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace Nice.MLNet.Perf;

/// <summary>
/// Batched scoring rows/s of one engine on the workspace's model and rows (latent and log-likelihood of every row):
/// <c>library</c> = NiceTransformer.LogLikelihood on each batch with the TorchSharp engine, <c>transform</c> = IDataView
/// Transform read through a cursor (both columns) with the library's default engine (ONNX Runtime on the CPU),
/// <c>transform-torch</c> = the same on the TorchSharp engine (the default before phase 2), <c>ort</c> = a bare ONNX
/// Runtime InferenceSession on the exported graph (or <c>--onnx FILE</c>), with its values checked against the library's
/// TorchSharp ones; <c>read</c> = ML.NET reading the same cached view's input column, no model.
/// --threads N goes to the loaded model (<c>NiceTransformer.Load(..., threads: N)</c>) and to the bare session; 0 =
/// automatic. First pass = warm-up, then --reps timed passes.
/// </summary>
public static class ScoreCommand
{
    public static int Run(Args args)
    {
        var shape = ModelShape.From(args);
        var ws = new Workspace(args.String("work", "out/perf"));
        string engine = args.String("engine", "library");
        int rows = args.Int("rows", 5120), batch = args.Int("batch", 512), reps = args.Int("reps", 3);
        int threads = args.Int("threads", 0);
        bool spin = args.String("ort-spin", "1") != "0";
        string onnx = args.String("onnx", ws.Onnx);
        args.ThrowOnUnknown();
        var data = Workspace.ReadFloats(ws.Data, (long)rows * shape.Dimension);
        var result = new Dictionary<string, object?> { ["engine"] = engine };
        Action pass = engine switch
        {
            "library" => Library(ws, data, shape.Dimension, rows, batch, threads),
            "transform" => Transform(ws, data, shape.Dimension, rows, NiceScoringEngine.Auto, threads),
            "transform-torch" => Transform(ws, data, shape.Dimension, rows, NiceScoringEngine.TorchSharp, threads),
            "ort" => Ort(ws, onnx, data, shape.Dimension, rows, batch, threads, spin, result),
            "read" => Read(data, shape.Dimension, rows),
            _ => throw new ArgumentException(
                $"--engine: '{engine}' is not library, transform, transform-torch, ort or read."),
        };
        var rates = new List<double>();
        for (int rep = 0; rep <= reps; rep++)
        {
            var clock = Stopwatch.StartNew();
            pass();
            if (rep > 0) rates.Add(rows / clock.Elapsed.TotalSeconds);
        }
        result["rows_per_s"] = rates.ToArray();
        result["threads"] = threads;
        Result.Print(result);
        return 0;
    }

    private static Action Library(Workspace ws, float[] data, int d, int rows, int batch, int threads)
    {
        var model = NiceTransformer.Load(new MLContext(1), ws.Zip, scoringEngine: NiceScoringEngine.TorchSharp,
            threads: threads);
        var batches = Enumerable.Range(0, (rows + batch - 1) / batch)
            .Select(b => Workspace.Rows(data.AsSpan(b * batch * d).ToArray(), d, Math.Min(batch, rows - b * batch)).Select(r => r.Features).ToArray())
            .ToArray();
        return () => { foreach (var b in batches) model.LogLikelihood(b); };
    }

    private static Action Transform(Workspace ws, float[] data, int d, int rows, NiceScoringEngine engine, int threads)
    {
        var ml = new MLContext(1);
        var model = NiceTransformer.Load(ml, ws.Zip, scoringEngine: engine, threads: threads);
        var view = CachedView(ml, data, d, rows);
        return () =>
        {
            var scored = model.Transform(view);
            var cols = new[] { scored.Schema[model.LatentColumnName], scored.Schema[model.LogLikelihoodColumnName] };
            using var cursor = scored.GetRowCursor(cols);
            var latent = cursor.GetGetter<VBuffer<float>>(cols[0]);
            var ll = cursor.GetGetter<float>(cols[1]);
            VBuffer<float> z = default;
            float v = 0;
            while (cursor.MoveNext()) { latent(ref z); ll(ref v); }
        };
    }

    /// <summary>ML.NET's own cost of reading the input column of the same cached view, without any model: what
    /// <c>transform</c> pays before a row reaches the library.</summary>
    private static Action Read(float[] data, int d, int rows)
    {
        var ml = new MLContext(1);
        var view = CachedView(ml, data, d, rows);
        return () =>
        {
            var col = view.Schema["Features"];
            using var cursor = view.GetRowCursor(new[] { col });
            var features = cursor.GetGetter<VBuffer<float>>(col);
            VBuffer<float> x = default;
            while (cursor.MoveNext()) features(ref x);
        };
    }

    /// <summary>The workspace rows as an in-memory, cached IDataView (what <c>transform</c> and <c>read</c>
    /// iterate).</summary>
    private static IDataView CachedView(MLContext ml, float[] data, int d, int rows)
        => ml.Data.Cache(ml.Data.LoadFromEnumerable(Workspace.Rows(data, d, rows), Workspace.Definition(d)));

    private static Action Ort(Workspace ws, string onnx, float[] data, int d, int rows, int batch, int threads, bool spin,
        Dictionary<string, object?> result)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = Math.Max(threads, 0), InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (!spin) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        var session = new InferenceSession(onnx, options);
        string input = session.InputNames[0];
        var outputs = session.OutputNames.ToArray();   // Latent [N, D], LogLikelihood [N]
        var run = new RunOptions();
        (float[] Latent, float[] Ll) Score(int start, int n)
        {
            using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                data.AsMemory(start * d, n * d), new long[] { n, d });
            using var y = session.Run(run, new[] { input }, new[] { x }, outputs);
            return (y[0].GetTensorDataAsSpan<float>().ToArray(), y[1].GetTensorDataAsSpan<float>().ToArray());
        }
        // The values against the library's own scores of the first rows.
        var expectLl = Workspace.ReadFloats(ws.ExpectLogLikelihood);
        var expectZ = Workspace.ReadFloats(ws.ExpectLatent);
        var (z, ll) = Score(0, expectLl.Length);
        result["max_abs_diff_ll_vs_library"] = expectLl.Zip(ll, (a, b) => Math.Abs(a - b)).Max();
        result["max_abs_diff_latent_vs_library"] = expectZ.Zip(z, (a, b) => Math.Abs(a - b)).Max();
        result["max_rel_diff_ll_vs_library"] = expectLl.Zip(ll, (a, b) => Math.Abs(a - b) / Math.Max(1, Math.Abs(a))).Max();
        result["ort_spinning"] = spin;
        return () =>
        {
            for (int start = 0; start < rows; start += batch)
            {
                int n = Math.Min(batch, rows - start);
                using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    data.AsMemory(start * d, n * d), new long[] { n, d });
                using var y = session.Run(run, new[] { input }, new[] { x }, outputs);
            }
        };
    }
}
