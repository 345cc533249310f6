using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Perf;

/// <summary>
/// GFLOP/s of the plain GEMMs of one training step of the model (per Linear: X·Wᵀ, G·W, Gᵀ·X at the training batch), through
/// TorchSharp's matmul (libtorch's BLAS, MKL) or ONNX Runtime's MatMul (MLAS). The PyTorch script times the same shapes
/// through OpenBLAS. --reps timed passes after one warm-up.
/// </summary>
public static class GemmCommand
{
    public static int Run(Args args)
    {
        var shape = ModelShape.From(args);
        string engine = args.String("engine", "torchsharp");
        int batch = args.Int("batch", 256), reps = args.Int("reps", 5), threads = args.Int("threads", 0);
        args.String("work", "");   // accepted (compare passes it to every child), not used
        args.ThrowOnUnknown();
        if (threads > 0) torch.set_num_threads(threads);
        var groups = shape.Linears().GroupBy(l => l).Select(g => (g.Key.In, g.Key.Out, Count: g.Count())).ToList();
        double flops = shape.TrainFlopsPerSample * batch;
        Func<double> pass = engine switch
        {
            "torchsharp" => TorchSharpPass(groups, batch),
            "ort" => OrtPass(groups, batch, threads),
            _ => throw new ArgumentException($"--engine: '{engine}' is not torchsharp or ort."),
        };
        pass();
        var rates = Enumerable.Range(0, reps).Select(_ => flops / pass() / 1e9).ToArray();
        Result.Print(new Dictionary<string, object?> { ["engine"] = engine, ["gflops"] = rates, ["threads"] = threads });
        return 0;
    }

    private static Func<double> TorchSharpPass(List<(int In, int Out, int Count)> groups, int batch)
    {
        var tensors = groups.Select(s => (X: rand(batch, s.In), W: rand(s.Out, s.In), G: rand(batch, s.Out), s.Count)).ToList();
        return () =>
        {
            var clock = Stopwatch.StartNew();
            foreach (var (x, w, g, count) in tensors)
                for (int c = 0; c < count; c++)
                {
                    using var scope = NewDisposeScope();
                    x.mm(w.t());
                    g.mm(w);
                    g.t().mm(x);
                }
            return clock.Elapsed.TotalSeconds;
        };
    }

    private static Func<double> OrtPass(List<(int In, int Out, int Count)> groups, int batch, int threads)
    {
        var rng = new Random(3);
        float[] Random(int n) { var v = new float[n]; for (int i = 0; i < n; i++) v[i] = (float)rng.NextDouble(); return v; }
        var runs = groups.Select(s =>
        {
            var options = new SessionOptions { IntraOpNumThreads = Math.Max(threads, 0), InterOpNumThreads = 1 };
            var session = new InferenceSession(OnnxMatMulGraph.Build(batch, s.In, s.Out), options);
            var inputs = new[]
            {
                OrtValue.CreateTensorValueFromMemory(Random(batch * s.In), new long[] { batch, s.In }),
                OrtValue.CreateTensorValueFromMemory(Random(batch * s.Out), new long[] { batch, s.Out }),
                OrtValue.CreateTensorValueFromMemory(Random(batch * s.Out), new long[] { s.Out, batch }),
            };
            return (session, inputs, s.Count);
        }).ToList();
        var names = new[] { "X", "G", "GT" };
        var outputs = new[] { "Y", "GX", "GW" };
        var run = new RunOptions();
        return () =>
        {
            var clock = Stopwatch.StartNew();
            foreach (var (session, inputs, count) in runs)
                for (int c = 0; c < count; c++)
                {
                    using var y = session.Run(run, names, inputs, outputs);
                }
            return clock.Elapsed.TotalSeconds;
        };
    }
}
