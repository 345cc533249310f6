using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Nice.MLNet.Tabular;

/// <summary>Merges per-split result CSVs (baselines.py's and this project's) into per-task means and the suite summary.</summary>
public static class TabularReport
{
    /// <summary>NICE methods are those whose name starts with "nice"; every other method is a baseline. With
    /// <paramref name="taskNames"/>, only those tasks' rows are read.</summary>
    public static void Write(TextWriter output, string[] files, string[]? taskNames = null)
    {
        var rows = new List<(string Task, int Split, string Digest, string Method, double Auroc, double Dr, double Fpr, double Seconds)>();
        foreach (var file in files)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"tabular report: result file not found: {file}", file);
            var lines = File.ReadAllLines(file);
            if (lines.Length == 0) continue; // a run that has not finished its first split
            var h = lines[0].Split(',').ToList();
            foreach (var l in lines.Skip(1).Where(l => l.Length > 0))
            {
                var f = l.Split(',');
                if (f.Length < h.Count) continue; // a line being written
                double D(string c) => double.Parse(f[h.IndexOf(c)], CultureInfo.InvariantCulture);
                if (taskNames is not null && !taskNames.Contains(f[h.IndexOf("task")])) continue;
                rows.Add((f[h.IndexOf("task")], int.Parse(f[h.IndexOf("split")], CultureInfo.InvariantCulture), f[h.IndexOf("train_digest")],
                    f[h.IndexOf("method")], D("auroc"), D("dr5"), D("fpr"), D("seconds")));
            }
        }
        foreach (var g in rows.GroupBy(r => (r.Task, r.Split)))
            if (g.Select(r => r.Digest).Distinct().Count() > 1)
                throw new InvalidDataException($"tabular report: task {g.Key.Task} split {g.Key.Split} has different training rows in different files (digests {string.Join(", ", g.Select(r => r.Digest).Distinct())}).");

        var tasks = rows.Select(r => r.Task).Distinct().ToList();
        var methods = rows.Select(r => r.Method).Distinct().ToList();
        var baselines = methods.Where(m => !m.StartsWith("nice", StringComparison.Ordinal)).ToList();
        var nice = methods.Where(m => m.StartsWith("nice", StringComparison.Ordinal)).ToList();
        output.WriteLine("Mean over splits (n = splits present). AUROC / DR@5%FP / FPR at the threshold calibrated to 1% / seconds per split.");
        foreach (var task in tasks)
        {
            output.WriteLine();
            output.WriteLine($"{task}");
            output.WriteLine($"  {"method",-34} {"n",3} {"AUROC",7} {"±sd",6} {"DR@5%",7} {"FPR@1%",7} {"s",7}");
            foreach (var m in methods)
            {
                var r = rows.Where(x => x.Task == task && x.Method == m).ToList();
                if (r.Count == 0) continue;
                double mean = r.Average(x => x.Auroc), sd = Math.Sqrt(r.Average(x => (x.Auroc - mean) * (x.Auroc - mean)));
                output.WriteLine($"  {m,-34} {r.Count,3} {mean,7:F3} {sd,6:F3} {r.Average(x => x.Dr),7:F3} {r.Average(x => x.Fpr),7:F3} {r.Average(x => x.Seconds),7:F1}");
            }
        }
        output.WriteLine();
        output.WriteLine("Summary: mean AUROC per task; the best baseline (by its mean over all its splits); each NICE method's mean and its gap");
        output.WriteLine("to that baseline on the same splits (paired; n = splits). Goal: mean >= mean of best, no gap < -0.02.");
        output.WriteLine($"  {"task",-10} {"best baseline",-16} {"AUROC",6}  " + string.Join(" ", nice.Select(m => $"{Short(m),18}")));
        double bestSum = 0;
        var niceSum = nice.ToDictionary(m => m, _ => 0.0);
        var pairedBest = nice.ToDictionary(m => m, _ => 0.0);
        var worst = nice.ToDictionary(m => m, _ => double.PositiveInfinity);
        var complete = nice.ToDictionary(m => m, _ => true);
        var bestOf = new Dictionary<string, string>();
        foreach (var task in tasks)
        {
            double Mean(string m, ICollection<int>? splits = null)
            {
                var r = rows.Where(x => x.Task == task && x.Method == m && (splits is null || splits.Contains(x.Split))).ToList();
                return r.Count == 0 ? double.NaN : r.Average(x => x.Auroc);
            }
            var best = baselines.Select(m => (m, a: Mean(m))).Where(p => !double.IsNaN(p.a)).OrderByDescending(p => p.a).First();
            bestSum += best.a;
            bestOf[task] = best.m;
            var cells = nice.Select(m =>
            {
                var splits = rows.Where(x => x.Task == task && x.Method == m).Select(x => x.Split).ToHashSet();
                if (splits.Count == 0) { complete[m] = false; return $"{"-",18}"; }
                double a = Mean(m), b = Mean(best.m, splits);
                niceSum[m] += a;
                pairedBest[m] += b;
                worst[m] = Math.Min(worst[m], a - b);
                return $"{a,6:F3} ({splits.Count,2}) {a - b,+6:+0.000;-0.000}";
            });
            output.WriteLine($"  {task,-10} {best.m,-16} {best.a,6:F3}  " + string.Join(" ", cells));
        }
        output.WriteLine($"  {"mean",-10} {"",-16} {bestSum / tasks.Count,6:F3}  " + string.Join(" ", nice.Select(m =>
            complete[m] ? $"{niceSum[m] / tasks.Count,6:F3} {"",4} {(niceSum[m] - pairedBest[m]) / tasks.Count,+6:+0.000;-0.000}" : $"{"-",18}")));
        output.WriteLine($"  {"worst gap",-10} {"",-16} {"",6}  " + string.Join(" ", nice.Select(m => complete[m] ? $"{"",11} {worst[m],+6:+0.000;-0.000}" : $"{"-",18}")));
        output.WriteLine("  columns: " + string.Join("; ", nice.Select(m => $"{Short(m)} = {m}")));
        var auroc = rows.GroupBy(x => (x.Task, x.Method, x.Split)).ToDictionary(g => g.Key, g => g.Average(x => x.Auroc));
        var splits = rows.Select(x => x.Split).Distinct().OrderBy(x => x).ToList();
        foreach (var m in nice.Where(m => complete[m])) SplitGaps(output, auroc, splits, tasks, bestOf, m);
    }

    /// <summary>
    /// The suite's gap split by split: for each split that every task has (for <paramref name="method"/> and each
    /// task's best baseline), the mean over tasks of method − best baseline; their mean, standard error and range.
    /// </summary>
    private static void SplitGaps(TextWriter output, IReadOnlyDictionary<(string, string, int), double> auroc,
        IReadOnlyList<int> splits, IReadOnlyList<string> tasks, IReadOnlyDictionary<string, string> bestOf, string method)
    {
        double? Auroc(string task, string m, int split) => auroc.TryGetValue((task, m, split), out var a) ? a : null;
        var gaps = splits
            .Select(split => tasks.Select(t => Auroc(t, method, split) - Auroc(t, bestOf[t], split)).ToList())
            .Where(g => g.All(v => v is not null)).Select(g => g.Average(v => v!.Value)).ToList();
        if (gaps.Count < 2) return;
        double mean = gaps.Average(), se = Math.Sqrt(gaps.Sum(g => (g - mean) * (g - mean)) / (gaps.Count - 1) / gaps.Count);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  per split, {Short(method)}: mean over tasks of the " +
            $"paired gap {mean:+0.0000;-0.0000} ± {se:0.0000} (s.e., {gaps.Count} splits), {gaps.Min():+0.0000;-0.0000} to " +
            $"{gaps.Max():+0.0000;-0.0000}, ahead on {gaps.Count(g => g > 0)}"));
    }

    private static string Short(string m) => m.Length <= 18 ? m : m[..18];
}
