using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Nice.MLNet.Flow;
using static TorchSharp.torch;

namespace Nice.MLNet.Benchmarks;

/// <summary>
/// The matrix products of one training step of a flow, timed alone: the reference that says how much of the machine's
/// GEMM rate the whole step keeps.
/// </summary>
internal static class GemmReference
{
    /// <summary>(in, out) of every Linear layer of every coupling net.</summary>
    public static List<(int In, int Out)> LinearShapes(FlowConfig config)
    {
        var list = new List<(int, int)>();
        for (int k = 0; k < config.Couplings; k++)
        {
            var p = Partition.For(config.Partition, config.Dimension, k);
            int fanIn = p.First.Length;
            for (int h = 0; h < config.HiddenLayers; h++) { list.Add((fanIn,
                config.HiddenWidth)); fanIn = config.HiddenWidth; }
            list.Add((fanIn, p.Second.Length));
        }
        return list;
    }

    /// <summary>Median (or best) over <paramref name="reps"/>, after one warm-up, of the time of all forward and
    /// backward GEMMs of one training step.</summary>
    public static double Time(List<(int In, int Out)> layers, int batch, int reps, bool best = false)
    {
        var shapes = layers.GroupBy(l => l).Select(g => (g.Key.In, g.Key.Out, Count: g.Count())).ToList();
        var times = new List<double>();
        using var outer = NewDisposeScope();
        var tensors = shapes.Select(s => (X: rand(batch, s.In), W: rand(s.Out, s.In), G: rand(batch, s.Out), s.Count))
            .ToList();
        for (int rep = -1; rep < reps; rep++)
        {
            var clock = Stopwatch.StartNew();
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
}
