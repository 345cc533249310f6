using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace Nice.MLNet.Perf;

/// <summary>What a measuring child process prints: one line "RESULT {json}", read by the orchestrator.</summary>
public static class Result
{
    public const string Prefix = "RESULT ";

    public static void Print(Dictionary<string, object?> values)
    {
        Console.WriteLine(Prefix + JsonSerializer.Serialize(values));
        Console.Out.Flush();
    }

    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
