using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Nice.MLNet.Cli.Bench;

/// <summary>The benchmark's outcome: one row per model, NICE's per-epoch history, and the files written.</summary>
public sealed record DensityResult(
    IReadOnlyList<DensityRow> Models, IReadOnlyList<NiceEpochReport> History, int BestEpoch,
    int Dimension, int TrainRows, int TestRows, IReadOnlyList<string> Files)
{
    /// <summary>Markdown: model | test LL (nats) | ± s.e. | bits/dim | epochs | wall time.</summary>
    public string Table()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| model | test LL (nats) | ± s.e. | bits/dim | epochs | wall time |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var m in Models)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {m.Model} | {m.LogLikelihood:F2} | {m.StandardError:F2} | {m.BitsPerDim:F4} | {m.Epochs} | "
                    + $"{Wall(m.Seconds)} |"));
        return sb.ToString();
    }

    private static string Wall(double s) => s >= 120
        ? string.Create(CultureInfo.InvariantCulture, $"{s / 60:F1} min")
        : string.Create(CultureInfo.InvariantCulture, $"{s:F1} s");
}
