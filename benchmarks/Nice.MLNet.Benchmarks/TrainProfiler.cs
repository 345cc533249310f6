using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Benchmarks;

/// <summary>
/// Where a training step's time goes: the trainer's step taken apart (batch gather, zero_grad, forward, loss,
/// backward, Adam), plus the coupling nets' forward alone, so the gap to the forward is the split/merge overhead.
/// CPU ops are synchronous, so wall-clock stopwatches around them are exact.
/// </summary>
internal static class TrainProfiler
{
    public static void Run(FlowConfig config, int batch, int steps, TextWriter output, bool fused = true)
    {
        torch.random.manual_seed(3);
        using var flow = new NiceFlow(config);
        flow.train();
        var parameters = flow.parameters().ToArray();
        using var optimizer = new AdamOptimizer(parameters, 1e-3, 0.9, 0.99, 1e-4, 0, allowFused: fused);
        using var data = rand(Math.Max(4L * batch, 1024), config.Dimension);
        var names = new[] { "gather batch", "zero_grad", "forward", "loss+item", "backward", "adam step" };
        var sums = new double[names.Length];
        var nets = flow.Couplings.Cast<AdditiveCoupling>().Select(c => c.Net).ToArray();
        double netForward = 0;
        var rng = new Random(5);
        for (int step = -2; step < steps; step++)
        {
            var t = new double[names.Length];
            var clock = Stopwatch.StartNew();
            double Lap() { double s = clock.Elapsed.TotalSeconds; clock.Restart(); return s; }
            using (var scope = NewDisposeScope())
            {
                var idx = tensor(Enumerable.Range(0, batch).Select(_ => (long)rng.Next((int)data.shape[0])).ToArray());
                var x = data.index_select(0, idx);
                t[0] = Lap();
                flow.zero_grad();
                t[1] = Lap();
                var (z, logDet) = flow.Forward(x);
                t[2] = Lap();
                var loss = -(Prior.LogProb(config.Prior, z) + logDet).mean();
                loss.item<float>();
                t[3] = Lap();
                loss.backward();
                t[4] = Lap();
                optimizer.Step();
                t[5] = Lap();
            }
            double nf;
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var x1 = rand(batch, config.Dimension / 2);
                var x1b = rand(batch, config.Dimension - config.Dimension / 2);
                clock.Restart();
                for (int k = 0; k < nets.Length; k++) nets[k].forward(k % 2 == 0 ? x1 : x1b);
                nf = Lap();
            }
            if (step < 0) continue;
            for (int i = 0; i < t.Length; i++) sums[i] += t[i];
            netForward += nf;
        }
        double total = sums.Sum();
        output.WriteLine($"profile ({steps} steps of the trainer's step, batch {batch}, "
            + $"{(optimizer.IsFused ? "fused one-pass Adam" : "TorchSharp optim.Adam")}, ms/step):");
        for (int i = 0; i < names.Length; i++)
            output.WriteLine($"  {names[i],-14} {sums[i] / steps * 1e3,8:F2} ms  {sums[i] / total * 100,5:F1}%");
        output.WriteLine($"  {"total",-14} {total / steps * 1e3,8:F2} ms");
        output.WriteLine($"  (coupling nets' forward alone, no grad: {netForward / steps * 1e3:F2} ms; forward minus "
            + $"that = split/merge, scaling and autograd bookkeeping)");
    }
}
