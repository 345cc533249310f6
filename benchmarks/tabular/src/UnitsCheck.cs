using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Nice.MLNet.Tabular;

/// <summary>
/// The small-units check of issue 13: the same recipe on a split's standardized rows and on those rows × scale; the scores of
/// the test rows should rank alike (Spearman ≥ 0.95), since scaling only adds D·log(1/scale) to every log-likelihood.
/// </summary>
public static class UnitsCheck
{
    public static void Run(TextWriter output, TabularTask task, int seed, NiceRecipe recipe, double[] scales)
    {
        var split = TabularSplit.Make(task, seed);
        var unit = NiceRunner.Run(task, split, recipe);
        output.WriteLine($"{task.Name} split {seed}, recipe {recipe.Text}: scale 1 AUROC {TabularMetrics.Auroc(unit.TestScores, split.TestLabels):F3} ({unit.Notes})");
        foreach (double scale in scales)
        {
            var scaled = NiceRunner.Run(task, split, NiceRecipe.Parse(recipe.Text + (recipe.Text.Contains(':') ? "," : ":") + $"scale={scale.ToString(CultureInfo.InvariantCulture)}"));
            output.WriteLine($"  scale {scale,-8:G3} AUROC {TabularMetrics.Auroc(scaled.TestScores, split.TestLabels):F3}  Spearman vs scale 1: {Spearman(unit.TestScores, scaled.TestScores):F3}  ({scaled.Notes})");
        }
    }

    public static double Spearman(float[] a, float[] b)
    {
        double[] Ranks(float[] x)
        {
            var order = Enumerable.Range(0, x.Length).OrderBy(i => x[i]).ToArray();
            var r = new double[x.Length];
            for (int i = 0; i < order.Length;)
            {
                int j = i;
                while (j < order.Length && x[order[j]] == x[order[i]]) j++;
                for (int k = i; k < j; k++) r[order[k]] = (i + j + 1) / 2.0;
                i = j;
            }
            return r;
        }
        var ra = Ranks(a);
        var rb = Ranks(b);
        double ma = ra.Average(), mb = rb.Average();
        double cov = ra.Zip(rb, (x, y) => (x - ma) * (y - mb)).Sum();
        return cov / Math.Sqrt(ra.Sum(x => (x - ma) * (x - ma)) * rb.Sum(y => (y - mb) * (y - mb)));
    }
}
