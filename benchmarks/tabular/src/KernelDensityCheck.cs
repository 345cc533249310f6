using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace Nice.MLNet.Tabular;

/// <summary>
/// <c>kde</c>: Gaussian kernel densities computed exactly (float64, log-sum-exp) on the suite's splits, beside
/// scikit-learn's <c>KernelDensity</c> baseline: Scott's bandwidth h = n^(−1/(D+4)) on the standardized columns
/// ("iso"), the same with the kernel shaped like the training covariance, H = h²(S + 10⁻³·tr S/D·I) ("shaped"), and
/// each with h × c, c chosen from a grid by the leave-one-out log-likelihood of the training rows ("LOO"). What it
/// asks: how much a kernel mixture over the training rows gains when its kernel is fitted rather than fixed — the
/// ceiling of a density that puts a learned kernel on every training row (docs/tabular-design.md).
/// </summary>
public static class KernelDensityCheck
{
    private static readonly double[] Multipliers = { 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5 };

    public static void Run(TextWriter log, IEnumerable<TabularTask> tasks, int first, int splits, string? csv)
    {
        using var rows = csv is null ? null : new StreamWriter(csv, append: File.Exists(csv));
        if (rows is not null && rows.BaseStream.Position == 0)
            rows.WriteLine("task,split,train_digest,method,auroc,dr5,fpr,seconds");
        foreach (var task in tasks)
        {
            var results = new List<(double Auroc, double Multiplier)[]>();
            for (int s = first; s < splits; s++)
            {
                using var scope = NewDisposeScope();
                var split = TabularSplit.Make(task, s);
                var outcome = new[] { false, true }.SelectMany(shaped => Fit(split, task.Dimension, shaped,
                    s == first ? log : null, task.Name)).ToArray();
                results.Add(outcome);
                string[] names = { "KDE-exact", "KDE-exact-LOO", "KDE-shaped", "KDE-shaped-LOO" };
                for (int m = 0; m < names.Length; m++)
                    rows?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{task.Name},{s},{split.Digest},{names[m]},{outcome[m].Auroc:F6},,,"));
            }
            string Mean(int m) => results.Average(r => r[m].Auroc).ToString("F3", CultureInfo.InvariantCulture);
            string Chosen(int m) => string.Join("/", results.Select(r => r[m].Multiplier.ToString(CultureInfo.InvariantCulture)));
            log.WriteLine($"{task.Name,-8} iso: Scott {Mean(0)}, LOO {Mean(1)} (c {Chosen(1)})   shaped: Scott {Mean(2)}, "
                + $"LOO {Mean(3)} (c {Chosen(3)})   per split, iso Scott: "
                + string.Join(" ", results.Select(r => r[0].Auroc.ToString("F3", CultureInfo.InvariantCulture))));
        }
    }

    /// <summary>The rows as one float32 tensor, rows × <paramref name="d"/>.</summary>
    internal static Tensor Rows(float[][] rows, int d)
        => tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, d });

    /// <summary>AUROC at Scott's h and at the leave-one-out choice of h × c (with c).</summary>
    private static (double Auroc, double Multiplier)[] Fit(TabularSplit split, int d, bool shaped, TextWriter? log,
        string task)
    {
        int n = split.Train.Length;
        var train = Rows(split.Train, d).to(float64);
        var test = Rows(split.Test, d).to(float64);
        if (shaped)
        {
            var centred = train - train.mean(new long[] { 0 });
            var s = centred.T.matmul(centred) / n;
            s += eye(d, dtype: float64) * (1e-3 * s.trace().item<double>() / d);
            var (values, vectors) = linalg.eigh(s);
            var w = vectors.matmul(diag(values.rsqrt())).matmul(vectors.T); // the kernel's shape, whitened away
            train = train.matmul(w);
            test = test.matmul(w);
        }
        var own = cdist(train, train).pow(2) + eye(n, dtype: float64) * 1e30; // leave one out
        var far = cdist(test, train).pow(2);
        double scott = Math.Pow(n, -1.0 / (d + 4));
        var aurocs = new double[Multipliers.Length];
        double bestLikelihood = double.NegativeInfinity;
        int best = 0;
        for (int k = 0; k < Multipliers.Length; k++)
        {
            double h = scott * Multipliers[k];
            double likelihood = (logsumexp(-own / (2 * h * h), 1) - d * Math.Log(h)).mean().item<double>();
            var score = -logsumexp(-far / (2 * h * h), 1);
            aurocs[k] = TabularMetrics.Auroc(score.to(float32).data<float>().ToArray(), split.TestLabels);
            if (likelihood > bestLikelihood) (bestLikelihood, best) = (likelihood, k);
        }
        log?.WriteLine($"{task} split {split.Seed}, {(shaped ? "shaped" : "iso")}, AUROC at h = c × Scott's: " + string.Join(
            ", ", Multipliers.Select((c, k) => string.Create(CultureInfo.InvariantCulture, $"c {c} {aurocs[k]:F3}"))));
        return new[] { (aurocs[Array.IndexOf(Multipliers, 1.0)], 1.0), (aurocs[best], Multipliers[best]) };
    }
}
