using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Nice.MLNet.Tests.Notebooks;

/// <summary>The outputs of a notebook as Jupyter stores them (.ipynb), read back for the tests.</summary>
internal sealed class ExecutedNotebook
{
    private readonly List<(string OutputType, Dictionary<string, string> Data, string Text)> outputs = new();

    public ExecutedNotebook(string path)
    {
        Path = path;
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            if (cell.GetProperty("cell_type").GetString() != "code") continue;
            CodeCells++;
            var count = cell.GetProperty("execution_count");
            int executionCount = count.ValueKind == JsonValueKind.Number ? count.GetInt32() : 0;
            if (executionCount > 0) ExecutedCells++;
            foreach (var output in cell.GetProperty("outputs").EnumerateArray())
            {
                var data = new Dictionary<string, string>();
                if (output.TryGetProperty("data", out var d))
                    foreach (var p in d.EnumerateObject()) data[p.Name] = Join(p.Value);
                string text = output.TryGetProperty("text", out var t) ? Join(t)
                    : output.TryGetProperty("evalue", out var e) ? e.GetString() ?? "" : "";
                outputs.Add((output.GetProperty("output_type").GetString()!, data, text));
            }
        }
    }

    public string Path { get; }

    public int CodeCells { get; }

    public int ExecutedCells { get; }

    public IEnumerable<string> Errors => outputs.Where(o => o.OutputType == "error").Select(o => o.Text);

    /// <summary>Every text/plain display and every line printed to standard output.</summary>
    public string Text => string.Join("\n", outputs.Select(o => o.Data.GetValueOrDefault("text/plain") ?? o.Text));

    public IEnumerable<string> Html => outputs.Select(o => o.Data.GetValueOrDefault("text/html")).OfType<string>();

    public IEnumerable<byte[]> Pngs => outputs.Select(o => o.Data.GetValueOrDefault("image/png")).OfType<string>()
        .Select(Convert.FromBase64String);

    /// <summary>The number that the first match of <paramref name="pattern"/>'s group 1 shows.</summary>
    public double Number(string pattern)
    {
        var match = Regex.Match(Text, pattern);
        if (!match.Success) throw new InvalidOperationException($"No output of {Path} matches /{pattern}/:\n{Text}");
        return double.Parse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static string Join(JsonElement value) => value.ValueKind == JsonValueKind.Array
        ? string.Concat(value.EnumerateArray().Select(v => v.GetString()))
        : value.GetString() ?? "";
}
