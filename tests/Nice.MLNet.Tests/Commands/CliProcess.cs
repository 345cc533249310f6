using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;

namespace Nice.MLNet.Tests.Commands;

/// <summary>What a program run printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>The non-empty lines of stderr.</summary>
    public string[] ErrorLines => Error.Split('\n',
        StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the built programs as a user does: <c>dotnet nice.dll ARGS</c> (the CLI) or <c>dotnet Nice.MLNet.Benchmarks.dll
/// ARGS</c>, in a process of their own, from a chosen working directory, with one torch thread.
/// </summary>
public static class CliProcess
{
    public static string Cli => Path.Combine(AppContext.BaseDirectory, "nice.dll");

    public static string Benchmarks => Path.Combine(AppContext.BaseDirectory, "Nice.MLNet.Benchmarks.dll");

    public static CliResult Run(string[] args, string? workingDirectory = null, string? program = null,
        int timeoutSeconds = 300)
        => Start("dotnet", new[] { "exec", program ?? Cli }.Concat(args).ToArray(), workingDirectory, timeoutSeconds);

    /// <summary>Starts <paramref name="file"/> with <paramref name="args"/> and waits for it; fails the test on a
    /// timeout.</summary>
    /// <remarks>
    /// <paramref name="clearMsBuild"/> removes the MSBuild variables the test host inherits from <c>dotnet test</c>, so
    /// a build started by the child (run.sh) is set up as from a shell.
    /// </remarks>
    public static CliResult Start(string file, string[] args, string? workingDirectory, int timeoutSeconds,
        bool clearMsBuild = false)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        psi.Environment["MKL_NUM_THREADS"] = "1";
        psi.Environment.Remove("NICE_CLI_NAME");
        if (clearMsBuild)
            foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild",
                StringComparison.OrdinalIgnoreCase)).ToList())
                psi.Environment.Remove(name);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(" ", args)} did not end within {timeoutSeconds} s");
        }
        process.WaitForExit();
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
