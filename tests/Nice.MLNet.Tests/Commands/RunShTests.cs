using System.IO;
using System.Linq;
using Nice.MLNet.Cli.Datasets;
using Xunit;

namespace Nice.MLNet.Tests.Commands;

/// <summary>
/// <c>./run.sh</c> itself, started from another directory as a user would: relative paths are the user's, not the
/// repository's; <c>help</c> lists the CLI's commands and the benchmarks'. The first call may build the programs, so
/// this runs alone, after the tests that run in parallel (the packaging test builds the library too).
/// </summary>
[Collection(nameof(RunShTests))]
public sealed class RunShTests : System.IDisposable
{
    private readonly CsvFiles files = new();

    public void Dispose() => files.Dispose();

    private CliResult RunSh(params string[] args)
    {
        string script = Path.Combine(Repo.Root, "run.sh");
        return CliProcess.Start("bash", new[] { script }.Concat(args).ToArray(), files.Folder, timeoutSeconds: 900,
            clearMsBuild: true);
    }

    [Fact]
    public void RunSh_FromAnotherDirectory_ReadsRelativePathsThere_AndHelpListsBothPrograms()
    {
        if (!System.OperatingSystem.IsLinux()) return;   // run.sh is the Linux entry point
        files.Write("mine.csv", CsvFiles.Plain(40));

        var run = RunSh("quickstart", "--data", "mine.csv", "--epochs", "1", "--width", "8", "--out", "pictures");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"reading {Path.Combine(files.Folder, "mine.csv")}", run.Output);

        var help = RunSh("help");
        Assert.True(help.ExitCode == 0, help.ToString());
        var commands = new[]
        {
            "test", "quickstart", "density", "anomaly", "images", "flows", "bench-train", "bench-score", "bench-memory",
            "perf", "perf-threads",
        };
        foreach (var command in commands)
            Assert.Contains($"  {command} ", help.Output);
        Assert.DoesNotContain("building", help.Error);   // built by the first call: nothing changed since

        var mistake = RunSh("quickstart", "--epochs");
        Assert.Equal(2, mistake.ExitCode);
        Assert.Equal("./run.sh quickstart: --epochs needs a value (N). (see: ./run.sh quickstart --help)",
            Assert.Single(mistake.ErrorLines));
    }
}

/// <summary>Runs <see cref="RunShTests"/> by itself, after every parallel collection.</summary>
[CollectionDefinition(nameof(RunShTests), DisableParallelization = true)]
public sealed class RunShCollection
{
}
