using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Cli.Data;
using Nice.MLNet.Flow;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// Training speed of the engine on the paper-size model, against the speed of the same-shape matrix products
/// measured in the same process: the ratio says how much of the machine's GEMM rate the whole training step keeps.
/// </summary>
public sealed class BenchTrainCommand : ICommand
{
    public string Name => "bench-train";

    public string Summary => "training samples/s and GFLOP/s of NICE (D=784, 4 couplings x 5 x 1000) vs the same GEMMs; --steps --batch --threads --width --hidden --couplings --data random|fashion --profile --baseline";

    public int Run(Args args)
    {
        int steps = args.Int("steps", 5);
        int batch = args.Int("batch", 256);
        int threads = args.Int("threads", Environment.ProcessorCount);
        int width = args.Int("width", 1000);
        int hidden = args.Int("hidden", 5);
        int couplings = args.Int("couplings", 4);
        int epochs = args.Int("epochs", 6);
        int gemmReps = args.Int("gemm-reps", 3);
        string data = args.String("data", "random");
        bool profile = args.Flag("profile");
        bool baseline = args.Flag("baseline");
        args.ThrowOnUnknown();
        if (steps < 1 || batch < 1 || threads < 1 || width < 1 || hidden < 1 || couplings < 1 || epochs < 2 || gemmReps < 1)
            throw new ArgumentException("--steps, --batch, --threads, --width, --hidden, --couplings, --gemm-reps must be >= 1 and --epochs >= 2 (the first is warm-up).");
        if (data is not ("random" or "fashion")) throw new ArgumentException($"--data: '{data}' is not 'random' or 'fashion'.");

        int previousThreads = torch.get_num_threads();
        torch.set_num_threads(threads);
        try { return Bench(steps, batch, threads, width, hidden, couplings, epochs, gemmReps, data, profile, baseline); }
        finally { torch.set_num_threads(previousThreads); }
    }

    private static int Bench(int steps, int batch, int threads, int width, int hidden, int couplings, int epochs, int gemmReps, string data, bool profile, bool baseline)
    {
        const int d = 784;
        var config = new NiceOptions { Couplings = couplings, HiddenLayers = hidden, HiddenWidth = width }.ToFlowConfig(d);
        var layers = LinearShapes(config);
        double flopsPerSample = 3 * layers.Sum(l => 2.0 * l.In * l.Out);
        long rows = (long)steps * batch;

        Console.WriteLine($"cpu: {Machine.CpuModel}  ({Environment.ProcessorCount} logical CPUs visible)");
        Console.WriteLine($"torch threads: {torch.get_num_threads()}  (requested {threads}); load average at start: {LoadAverage()}");
        Console.WriteLine($"model: D={d}, {couplings} couplings x {hidden} hidden x {width} ReLU, batch {batch}, data {data}, {steps} steps per epoch, {epochs} epochs (epoch 1 = warm-up)");
        Console.WriteLine($"FLOP count: 3 x sum over Linear layers of 2*in*out per sample (forward + input grad + weight grad) = {flopsPerSample / 1e6:F1} MFLOP/sample, {flopsPerSample * batch / 1e9:F2} GFLOP/step");

        Console.WriteLine("matmul reference: the same-shape GEMMs of one step (fwd [B,in]x[in,out], bwd [B,out]x[out,in] and [out,B]x[B,in] per Linear layer),");
        Console.WriteLine($"  timed with TorchSharp after every training epoch (best of {gemmReps}), so both see the same machine load");

        // The engine's own training loop (FlowTrainer) on these shapes; the GEMM reference runs between its epochs.
        var source = new ArrayRowSource(LoadData(data, rows, d), d);
        var fusedRun = TimeTraining("training (FusedAdam)", fused: true);
        var baselineRun = baseline ? TimeTraining("training with TorchSharp optim.Adam (the engine before FusedAdam)", fused: false) : null;
        Summarize("training (FusedAdam)", fusedRun);
        if (baselineRun is not null) Summarize("training with TorchSharp optim.Adam", baselineRun);

        void Summarize(string label, List<(double Train, double Gemm)> run)
        {
            // Best-of on both sides estimates the unloaded machine; the median ratio of neighbouring measurements is the robust check.
            double bestTrain = run.Min(e => e.Train), bestGemm = run.Min(e => e.Gemm);
            var ratios = run.Select(e => e.Gemm / e.Train).OrderBy(r => r).ToList();
            double median = ratios[ratios.Count / 2];
            Console.WriteLine($"{label}: {batch / bestTrain:F1} samples/s, {bestTrain * 1e3:F1} ms/step, {flopsPerSample * batch / bestTrain / 1e9:F1} GFLOP/s (best epoch of 2..{epochs})");
            Console.WriteLine($"  matmul reference: {bestGemm * 1e3:F1} ms/step = {flopsPerSample * batch / bestGemm / 1e9:F1} GFLOP/s (best); ratio training/matmul {bestGemm / bestTrain * 100:F1}% (best vs best), {median * 100:F1}% (median of per-epoch ratios)");
        }

        List<(double Train, double Gemm)> TimeTraining(string label, bool fused)
        {
            Console.WriteLine($"{label}:");
            var perEpoch = new List<(double, double)>();
            var settings = new NiceOptions().ToTrainingSettings() with
            {
                Epochs = epochs,
                BatchSize = batch,
                ValidationFraction = 0,
                EarlyStoppingPatience = 0,
                Seed = 1,
                FusedAdam = fused,
                Dequantization = data == "fashion" ? Dequantization.Bytes : null,
                Progress = r =>
                {
                    double train = r.Seconds / steps;
                    double gemm = TimeGemms(layers, batch, gemmReps, best: true);
                    Console.WriteLine($"  epoch {r.Epoch}: {train * 1e3:F1} ms/step, {batch / train:F1} samples/s, {flopsPerSample * batch / train / 1e9:F1} GFLOP/s; matmul {gemm * 1e3:F1} ms = {flopsPerSample * batch / gemm / 1e9:F1} GFLOP/s; ratio {gemm / train * 100:F1}%{(r.Epoch == 1 ? "  (warm-up, not counted)" : "")}");
                    if (r.Epoch > 1) perEpoch.Add((train, gemm));
                },
            };
            torch.random.manual_seed(1);
            using var flow = new NiceFlow(config);
            FlowTrainer.Train(flow, source, settings);
            return perEpoch;
        }

        Console.WriteLine($"load average at end: {LoadAverage()}  (other processes on the machine make every number here noisy; the ratio of neighbouring measurements is the robust one)");
        if (profile)
        {
            TrainProfiler.Run(config, batch, steps, Console.Out, fused: true);
            TrainProfiler.Run(config, batch, steps, Console.Out, fused: false);
        }
        return 0;
    }

    /// <summary>(in, out) of every Linear layer of every coupling net.</summary>
    internal static List<(int In, int Out)> LinearShapes(FlowConfig config)
    {
        var list = new List<(int, int)>();
        for (int k = 0; k < config.Couplings; k++)
        {
            var p = Partition.For(config.Partition, config.Dimension, k);
            int fanIn = p.First.Length;
            for (int h = 0; h < config.HiddenLayers; h++) { list.Add((fanIn, config.HiddenWidth)); fanIn = config.HiddenWidth; }
            list.Add((fanIn, p.Second.Length));
        }
        return list;
    }

    /// <summary>Median (or best) over <paramref name="reps"/>, after one warm-up, of the time of all forward and backward GEMMs of one training step.</summary>
    internal static double TimeGemms(List<(int In, int Out)> layers, int batch, int reps, bool best = false)
    {
        var shapes = layers.GroupBy(l => l).Select(g => (g.Key.In, g.Key.Out, Count: g.Count())).ToList();
        var times = new List<double>();
        using var outer = NewDisposeScope();
        var tensors = shapes.Select(s => (X: rand(batch, s.In), W: rand(s.Out, s.In), G: rand(batch, s.Out), s.Count)).ToList();
        for (int rep = -1; rep < reps; rep++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            foreach (var (x, w, g, count) in tensors)
                for (int c = 0; c < count; c++)
                {
                    using var scope = NewDisposeScope();
                    x.mm(w.t());   // forward
                    g.mm(w);       // gradient w.r.t. the input
                    g.t().mm(x);   // gradient w.r.t. the weight
                }
            if (rep >= 0) times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        return best ? times[0] : times[times.Count / 2];
    }

    private static float[] LoadData(string data, long rows, int d)
    {
        if (data == "fashion")
        {
            var (images, _, _, _) = Idx.LoadSplit(Idx.FashionMnistFolder, "train", (int)Math.Min(rows, int.MaxValue / d));
            var result = new float[rows * d];
            for (long i = 0; i < result.Length; i += images.Length)
                Array.Copy(images, 0, result, i, Math.Min(images.Length, result.Length - i));
            return result;
        }
        var random = new Random(7);
        var x = new float[rows * d];
        for (long i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        return x;
    }

    internal static string LoadAverage()
    {
        try { return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a"; }
        catch (IOException) { return "n/a"; }
    }

    internal static string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
}
