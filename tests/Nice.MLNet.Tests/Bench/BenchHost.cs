using System.IO;
using Nice.MLNet.Benchmarks;
using Nice.MLNet.Cli.Hosting;

namespace Nice.MLNet.Tests.Bench;

/// <summary>
/// Runs a benchmark command in this process through the same parser and host as its program, writing to strings (no
/// Console.SetOut, so tests running at the same time keep their console).
/// </summary>
public static class BenchHost
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliHost.Run("nice-bench", BenchmarkCommands.Create(), args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
