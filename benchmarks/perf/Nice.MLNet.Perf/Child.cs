using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;

namespace Nice.MLNet.Perf;

/// <summary>One measurement in a process of its own (so thread pools and BLAS settings never leak between engines).</summary>
public sealed record Child(string Label, string Program, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment)
{
    private static Process? current;

    // A stopped orchestrator (SIGTERM, Ctrl+C) takes the measurement it is waiting for with it.
    static Child()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
        Console.CancelKeyPress += (_, _) => Stop();
    }

    private static void Stop()
    {
        try { if (current is { HasExited: false } p) p.Kill(); } catch (InvalidOperationException) { }
    }

    /// <summary>Runs it and returns the parsed RESULT line; throws with the child's output when it fails.</summary>
    public JsonElement Run()
    {
        var info = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in Arguments) info.ArgumentList.Add(a);
        foreach (var (k, v) in Environment) info.Environment[k] = v;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Program}.");
        current = process;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        current = null;
        var line = stdout.Split('\n').LastOrDefault(l => l.StartsWith(Result.Prefix, StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"{Label} failed (exit {process.ExitCode}): {Program} {string.Join(' ', Arguments)}\n{stdout}\n{stderr.Result}");
        return JsonDocument.Parse(line[Result.Prefix.Length..]).RootElement.Clone();
    }

    /// <summary>The median of a result's array of per-epoch or per-pass values.</summary>
    public static double Median(JsonElement result, string name)
        => Result.Median(result.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()));
}
