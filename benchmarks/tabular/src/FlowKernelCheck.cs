using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Tabular;

/// <summary>
/// <c>flow-kernel</c>: a probe of the density p(x) = (1/n) Σᵢ q(x − xᵢ) — one kernel on every training row — whose
/// kernel q is a small NICE flow (additive couplings on interleaved halves, MLP coupling nets, a diagonal scaling, a
/// Gaussian prior) fitted by the training rows' leave-one-out likelihood, log p₋ⱼ(xⱼ) = log (1/(n−1)) Σ_{i≠j}
/// q(xⱼ − xᵢ). The flow starts at the identity with the scaling at 1/h, Scott's h, so epoch 0 is the exact isotropic
/// kernel density (<see cref="KernelDensityCheck"/>). Written with TorchSharp directly, outside the library: it asks
/// whether fitting the kernel helps on the suite's splits before such a model kind is built
/// (docs/tabular-design.md). Scores are −log p; AUROC per epoch checkpoint.
/// </summary>
public static class FlowKernelCheck
{
    public static void Run(TextWriter log, IEnumerable<TabularTask> tasks, int first, int splits, int epochs,
        int couplings, int width)
    {
        int[] checkpoints = new[] { 0, 5, 10, 20, 40, 80 }.Where(e => e <= epochs).Append(epochs).Distinct().ToArray();
        foreach (var task in tasks)
        {
            var aurocs = new List<double[]>();
            for (int s = first; s < splits; s++)
            {
                using var scope = NewDisposeScope();
                var split = TabularSplit.Make(task, s);
                var result = Fit(split, task.Dimension, checkpoints, couplings, width, s);
                aurocs.Add(result);
                log.WriteLine($"{task.Name} split {s}: AUROC at epochs {string.Join(", ", checkpoints.Select((e, k) =>
                    string.Create(CultureInfo.InvariantCulture, $"{e}: {result[k]:F3}")))}");
            }
            log.WriteLine($"{task.Name} mean of {aurocs.Count}: " + string.Join(", ", checkpoints.Select((e, k) =>
                string.Create(CultureInfo.InvariantCulture, $"epoch {e} {aurocs.Average(a => a[k]):F4}"))));
        }
    }

    private static double[] Fit(TabularSplit split, int d, int[] checkpoints, int couplings, int width, int seed)
    {
        manual_seed(seed);
        int n = split.Train.Length;
        var train = KernelDensityCheck.Rows(split.Train, d);
        var test = KernelDensityCheck.Rows(split.Test, d);
        double h = Math.Pow(n, -1.0 / (d + 4));
        var kernel = new Kernel(d, couplings, width, h);
        var optimizer = optim.Adam(kernel.parameters(), lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-4);
        var aurocs = new double[checkpoints.Length];
        int batch = Math.Min(32, n);
        for (int epoch = 0, k = 0; epoch <= checkpoints[^1]; epoch++)
        {
            if (epoch == checkpoints[k])
            {
                using (no_grad())
                using (var inner = NewDisposeScope())
                {
                    var score = -kernel.LogDensity(test, train, leaveOneOut: false);
                    aurocs[k++] = TabularMetrics.Auroc(score.data<float>().ToArray(), split.TestLabels);
                }
                if (k == checkpoints.Length) break;
            }
            var order = randperm(n);
            for (int b = 0; b < n; b += batch)
            {
                using var inner = NewDisposeScope();
                var rows = order.narrow(0, b, Math.Min(batch, n - b));
                optimizer.zero_grad();
                var loss = -kernel.LogDensity(train.index_select(0, rows), train, leaveOneOut: true, rows).mean();
                loss.backward();
                optimizer.step();
            }
        }
        return aurocs;
    }

    /// <summary>q: additive couplings, then a diagonal scaling (log-scale s), then N(0, I).</summary>
    private sealed class Kernel : nn.Module
    {
        private readonly nn.Module<Tensor, Tensor>[] nets;
        private readonly Tensor[] masks;
        private readonly TorchSharp.Modules.Parameter scale;
        private readonly int d;

        public Kernel(int d, int couplings, int width, double h) : base("kernel")
        {
            this.d = d;
            nets = new nn.Module<Tensor, Tensor>[couplings];
            masks = new Tensor[couplings];
            for (int c = 0; c < couplings; c++)
            {
                var last = nn.Linear(width, d);
                using (no_grad())
                {
                    last.weight!.zero_();
                    last.bias!.zero_();
                }
                nets[c] = nn.Sequential(nn.Linear(d, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), last);
                register_module($"net{c}", nets[c]);
                masks[c] = (arange(d) % 2 == c % 2).to(float32);
            }
            scale = new TorchSharp.Modules.Parameter(full(d, -Math.Log(h)));
            register_parameter("scale", scale);
        }

        /// <summary>log q(u) for rows u.</summary>
        private Tensor LogKernel(Tensor u)
        {
            var y = u;
            for (int c = 0; c < nets.Length; c++)
                y = y + (1 - masks[c]) * nets[c].forward(y * masks[c]);
            var z = y * scale.exp();
            return -0.5 * z.pow(2).sum(1) - 0.5 * d * Math.Log(2 * Math.PI) + scale.sum();
        }

        /// <summary>log (1/m) Σᵢ q(x − xᵢ) for each row x, over the training rows (without x's own row when
        /// <paramref name="leaveOneOut"/>, <paramref name="rows"/> = the rows' indices).</summary>
        public Tensor LogDensity(Tensor x, Tensor train, bool leaveOneOut, Tensor? rows = null)
        {
            long m = x.shape[0], n = train.shape[0];
            var u = (x.unsqueeze(1) - train.unsqueeze(0)).reshape(m * n, d);
            var logq = LogKernel(u).reshape(m, n);
            if (leaveOneOut)
                logq = logq.index_put_(tensor(float.NegativeInfinity),
                    new TensorIndex[] { TensorIndex.Tensor(arange(m)), TensorIndex.Tensor(rows!) });
            return logsumexp(logq, 1) - Math.Log(leaveOneOut ? n - 1 : n);
        }
    }
}
