using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;

namespace NotebookRunner;

/// <summary>
/// Runs every code cell of one notebook, unchanged and in order, in a fresh kernel whose working directory is the
/// notebook's folder (as VS Code's Polyglot Notebooks does), and records each cell's outputs and execution count.
/// Stops at the first failing cell, as Run All does.
/// </summary>
internal static class NotebookExecution
{
    /// <returns>The notebook with its outputs, and the failing cell's message (null if every cell ran).</returns>
    public static async Task<(InteractiveDocument Notebook, string? Failure)> RunAsync(string path, TextWriter log)
    {
        var notebook = Notebook.Parse(File.ReadAllText(path));
        Directory.SetCurrentDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var kernel = NotebookKernel.Create();
        using var echo = kernel.KernelEvents.Subscribe(e => Echo(e, log));

        int executionCount = 0, index = 0;
        string? failure = null;
        foreach (var cell in notebook.Elements)
        {
            index++;
            cell.Id ??= $"cell-{index:D2}";
            if (cell.KernelName == "markdown") continue;
            cell.Outputs.Clear();
            if (failure != null)
            {
                cell.ExecutionOrder = 0;
                continue;
            }
            var outputs = new CellOutputs(++executionCount);
            cell.ExecutionOrder = executionCount;
            log.WriteLine($"[{Path.GetFileName(path)}] cell {index} ({Describe(cell.Contents)})");
            var watch = Stopwatch.StartNew();
            var result = await kernel.SendAsync(new SubmitCode(cell.Contents));
            log.WriteLine($"[{Path.GetFileName(path)}] cell {index} done in {watch.Elapsed.TotalSeconds:F1}s");
            foreach (var e in result.Events) outputs.Add(e);
            cell.Outputs.AddRange(outputs.Elements);
            failure = result.Events.OfType<CommandFailed>().FirstOrDefault() is { } failed
                ? $"cell {index} failed: {failed.Message}"
                : null;
        }
        return (notebook, failure);
    }

    /// <summary>Streams what a cell prints, so a long training run shows its progress while it runs.</summary>
    private static void Echo(KernelEvent e, TextWriter log)
    {
        if (e is StandardOutputValueProduced or StandardErrorValueProduced)
        {
            var text = ((DisplayEvent)e).FormattedValues.FirstOrDefault(v => v.MimeType == "text/plain")?.Value;
            if (text != null) log.Write(text);
        }
    }

    private static string Describe(string code)
    {
        var first = code.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        return first.Length > 60 ? first[..60] + "…" : first;
    }

    public static void Write(InteractiveDocument notebook, string path)
    {
        var json = notebook.ToJupyterJson();
        File.WriteAllText(path, json.EndsWith('\n') ? json : json + "\n", new UTF8Encoding(false));
    }
}
