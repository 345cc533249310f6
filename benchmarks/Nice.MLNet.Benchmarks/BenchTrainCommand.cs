using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Cli.Datasets;
using Nice.MLNet.Cli.Hosting;
using Nice.MLNet.Flow;
using TorchSharp;

namespace Nice.MLNet.Benchmarks;

/// <summary>
/// Training speed of the engine on the paper-size model, against the speed of the same-shape matrix products
/// measured in the same process: the ratio says how much of the machine's GEMM rate the whole training step keeps.
/// </summary>
public sealed class BenchTrainCommand : Command
{
    private readonly Option<int> steps = CliOptions.Int("--steps", "Training steps per epoch", 5);
    private readonly Option<int> batch = CliOptions.Int("--batch", "Rows per step", 256);
    private readonly Option<int> threads = CliOptions.Int("--threads", "Torch threads for this run (default: the "
        + "logical CPUs)",
        Environment.ProcessorCount);
    private readonly Option<int> width = CliOptions.Int("--width", "Hidden units per layer", 1000);
    private readonly Option<int> hidden = CliOptions.Int("--hidden", "Hidden layers per coupling", 5);
    private readonly Option<int> couplings = CliOptions.Int("--couplings", "Coupling layers", 4);
    private readonly Option<int> epochs = CliOptions.Int("--epochs", "Epochs; the first is warm-up and not counted",
        6, min: 2);
    private readonly Option<int> gemmReps = CliOptions.Int("--gemm-reps", "Repetitions of the GEMM reference after "
        + "each epoch (best kept)", 3);
    private readonly Option<string> data = CliOptions.Choice("--data", "Training rows: uniform random, or "
        + "Fashion-MNIST images", "random", "random", "fashion");
    private readonly Option<bool> profile = CliOptions.Flag("--profile", "Also take one step apart: gather, "
        + "zero_grad, forward, loss, backward, Adam");
    private readonly Option<bool> baseline = CliOptions.Flag("--baseline", "Also time TorchSharp's optim.Adam (the "
        + "engine before the fused Adam step)");

    public BenchTrainCommand()
        : base("bench-train", "Training samples/s and GFLOP/s of NICE (D=784, 4 couplings x 5 x 1000) vs the same "
            + "GEMMs.")
    {
        foreach (var option in new Option[] { steps, batch, threads, width, hidden, couplings, epochs, gemmReps, data,
            profile, baseline })
            Options.Add(option);
        SetAction(Run);
    }

    private int Run(ParseResult p)
    {
        var log = p.InvocationConfiguration.Output;
        using var torchThreads = TorchThreads.Use(p.GetValue(threads));
        const int d = 784;
        int steps = p.GetValue(this.steps), batch = p.GetValue(this.batch), epochs = p.GetValue(this.epochs),
            reps = p.GetValue(gemmReps);
        string data = p.GetValue(this.data)!;
        var config = new NiceOptions
        {
            Couplings = p.GetValue(couplings), HiddenLayers = p.GetValue(hidden), HiddenWidth = p.GetValue(width),
        }.ToFlowConfig(d);
        var layers = GemmReference.LinearShapes(config);
        double flopsPerSample = 3 * layers.Sum(l => 2.0 * l.In * l.Out);

        log.WriteLine($"cpu: {Machine.CpuModel}  ({Environment.ProcessorCount} logical CPUs visible)");
        log.WriteLine($"torch threads: {TorchThreads.Current}; load average at start: {Machine.LoadAverage()}");
        log.WriteLine($"model: D={d}, {config.Couplings} couplings x {config.HiddenLayers} hidden x "
            + $"{config.HiddenWidth} ReLU, batch {batch}, "
            + $"data {data}, {steps} steps per epoch, {epochs} epochs (epoch 1 = warm-up)");
        log.WriteLine($"FLOP count: 3 x sum over Linear layers of 2*in*out per sample (forward + input grad + weight "
            + $"grad) = "
            + $"{flopsPerSample / 1e6:F1} MFLOP/sample, {flopsPerSample * batch / 1e9:F2} GFLOP/step");
        log.WriteLine("matmul reference: the same-shape GEMMs of one step (fwd [B,in]x[in,out], bwd [B,out]x[out,in] "
            + "and [out,B]x[B,in] per Linear layer),");
        log.WriteLine($"  timed with TorchSharp after every training epoch (best of {reps}), so both see the same "
            + $"machine load");

        // The engine's own training loop (FlowTrainer) on these shapes; the GEMM reference runs between its epochs.
        var source = new ArrayRowSource(LoadData(data, (long)steps * batch, d), d);
        List<(double Train, double Gemm)> TimeTraining(string label, bool fused)
        {
            log.WriteLine($"{label}:");
            var perEpoch = new List<(double, double)>();
            var settings = new NiceOptions().ToTrainingSettings() with
            {
                Epochs = epochs, BatchSize = batch, ValidationFraction = 0, EarlyStoppingPatience = 0, Seed = 1,
                    FusedAdam = fused,
                Dequantization = data == "fashion" ? Dequantization.Bytes : null,
                Progress = r =>
                {
                    double train = r.Seconds / steps;
                    double gemm = GemmReference.Time(layers, batch, reps, best: true);
                    log.WriteLine($"  epoch {r.Epoch}: {train * 1e3:F1} ms/step, {batch / train:F1} samples/s, "
                        + $"{flopsPerSample * batch / train / 1e9:F1} GFLOP/s; "
                        + $"matmul {gemm * 1e3:F1} ms = {flopsPerSample * batch / gemm / 1e9:F1} GFLOP/s; ratio "
                            + $"{gemm / train * 100:F1}%"
                        + (r.Epoch == 1 ? "  (warm-up, not counted)" : ""));
                    log.Flush();
                    if (r.Epoch > 1) perEpoch.Add((train, gemm));
                },
            };
            torch.random.manual_seed(1);
            using var flow = new NiceFlow(config);
            FlowTrainer.Train(flow, source, settings);
            return perEpoch;
        }
        void Summarize(string label, List<(double Train, double Gemm)> run)
        {
            // Best-of on both sides estimates the unloaded machine; the median ratio of neighbouring measurements is
            // the robust check.
            double bestTrain = run.Min(e => e.Train), bestGemm = run.Min(e => e.Gemm);
            var ratios = run.Select(e => e.Gemm / e.Train).OrderBy(r => r).ToList();
            double median = ratios[ratios.Count / 2];
            log.WriteLine($"{label}: {batch / bestTrain:F1} samples/s, {bestTrain * 1e3:F1} ms/step, "
                + $"{flopsPerSample * batch / bestTrain / 1e9:F1} GFLOP/s (best epoch of 2..{epochs})");
            log.WriteLine($"  matmul reference: {bestGemm * 1e3:F1} ms/step = "
                + $"{flopsPerSample * batch / bestGemm / 1e9:F1} GFLOP/s (best); "
                + $"ratio training/matmul {bestGemm / bestTrain * 100:F1}% (best vs best), {median * 100:F1}% (median "
                    + $"of per-epoch ratios)");
        }

        var fusedRun = TimeTraining("training (FusedAdam)", fused: true);
        var baselineRun = p.GetValue(baseline) ? TimeTraining("training with TorchSharp optim.Adam (the engine before "
            + "FusedAdam)", fused: false) : null;
        Summarize("training (FusedAdam)", fusedRun);
        if (baselineRun is not null) Summarize("training with TorchSharp optim.Adam", baselineRun);
        log.WriteLine($"load average at end: {Machine.LoadAverage()}  (other processes on the machine make every "
            + $"number here noisy; the ratio of neighbouring measurements is the robust one)");
        if (p.GetValue(profile))
        {
            TrainProfiler.Run(config, batch, steps, log, fused: true);
            TrainProfiler.Run(config, batch, steps, log, fused: false);
        }
        return CliHost.Success;
    }

    private static float[] LoadData(string data, long rows, int d)
    {
        if (data == "fashion")
        {
            var (images, _, _, _) = Idx.LoadSplit(Idx.FashionMnistFolder, "train", (int)Math.Min(rows,
                int.MaxValue / d));
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
}
