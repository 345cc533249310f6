using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Nice.MLNet.Cli.Bench;

/// <summary>Prints one row per split and a mean row: AUC, detection rate at 10 false positives and test FPR for each
/// method.</summary>
public sealed class AnomalyTable
{
    private readonly TextWriter output;
    private readonly List<IReadOnlyList<AnomalyResult>> rows = new();

    public AnomalyTable(TextWriter output)
    {
        this.output = output;
        string methods = string.Concat(AnomalyRunner.Methods.Select(m => $" | {m,-22}"));
        string metrics = string.Concat(AnomalyRunner.Methods.Select(_ => $" | {"AUC",6} {"DR@10FP",7} {"FPR",6} "));
        output.WriteLine($"{"split",-16}{methods} | {"seconds",7}");
        output.WriteLine($"{"",-16}{metrics} |");
    }

    public void Add(string split, IReadOnlyList<AnomalyResult> results, double seconds)
    {
        rows.Add(results);
        Write(split, results, F(seconds, "F0"));
        output.Flush();
    }

    public void WriteMean()
    {
        if (rows.Count == 0) return;
        var mean = AnomalyRunner.Methods.Select(m =>
        {
            var of = rows.Select(r => r.Single(x => x.Method == m)).ToArray();
            return new AnomalyResult(m, of.Average(x => x.Auc), of.Average(x => x.DetectionRateAt10), of.Average(x =>
                x.TestFalsePositiveRate));
        }).ToArray();
        Write($"mean of {rows.Count}", mean, "");
    }

    private void Write(string split, IReadOnlyList<AnomalyResult> results, string seconds)
    {
        string cells = string.Concat(AnomalyRunner.Methods.Select(m => results.Single(r => r.Method == m))
            .Select(r => $" | {F(r.Auc, "F3"),6} {F(r.DetectionRateAt10, "F3"),7} "
                + $"{F(r.TestFalsePositiveRate, "F3"),6} "));
        output.WriteLine($"{Truncate(split, 16),-16}{cells} | {seconds,7}");
    }

    private static string F(double v, string format) => double.IsNaN(v) ? "n/a" : v.ToString(format,
        CultureInfo.InvariantCulture);

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..n];
}
