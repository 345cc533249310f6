using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>A finished child process: exit code, what it printed, how long it took.</summary>
internal sealed record ProcessRun(string Command, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"{Command}\nexit code {ExitCode} after {Elapsed.TotalSeconds:F0}s\n"
        + $"--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";

    /// <summary>What follows "<paramref name="key"/> " on the one stdout line that starts with it (a fresh app prints
    /// its results as such lines).</summary>
    public string Line(string key)
        => Stdout.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(key + " ", StringComparison.Ordinal))
            [(key.Length + 1)..];

    /// <summary>The space-separated numbers (invariant culture) on <paramref name="key"/>'s line.</summary>
    public float[] Floats(string key)
        => Line(key).Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Runs a program to its end (killed after <paramref name="timeout"/>), capturing its output.</summary>
    public static ProcessRun Start(string file, IEnumerable<string> arguments, string workingDirectory,
        TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment.TryAdd("OMP_NUM_THREADS", "1");
        if (environment != null)
            foreach (var (key, value) in environment) psi.Environment[key] = value;
        string command = $"{file} {string.Join(' ', psi.ArgumentList)} (in {workingDirectory})";
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new ProcessRun(command + $" — killed after {timeout.TotalMinutes:F0} min", -1, stdout.Result,
                stderr.Result, watch.Elapsed);
        }
        return new ProcessRun(command, process.ExitCode, stdout.Result, stderr.Result, watch.Elapsed);
    }
}
