using System.IO;
using System.Linq;
using Xunit;

namespace Nice.MLNet.Tests.Commands;

/// <summary>
/// The CLI's front door, run as a process: help for every command and option (with defaults), and every usage mistake
/// answered by one line on stderr and exit code 2; a failure of the work by one line and exit code 1, the stack trace
/// only with --verbose.
/// </summary>
public sealed class CliUsageTests
{
    public static TheoryData<string, string, string> Commands => new()
    {
        // command, program, an option its help must show with its default
        { "quickstart", "cli", "--epochs <N>" },
        { "density", "cli", "--preset <paper|reduced>" },
        { "anomaly", "cli", "--dataset <all|fashion|digits|cancer|trap|tabular|fashion-features>" },
        { "images", "cli", "--inpaint-steps <N>" },
        { "flows", "cli", "--seconds <X>" },
        { "bench-train", "bench", "--steps <N>" },
        { "bench-score", "bench", "--slow-rows <N>" },
        { "bench-memory", "bench", "--rows <N>" },
    };

    private static string Program(string which) => which == "cli" ? CliProcess.Cli : CliProcess.Benchmarks;

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_OfEveryCommand_ListsItsOptionsWithDefaults(string command, string program, string option)
    {
        var run = CliProcess.Run(new[] { command, "--help" }, program: Program(program));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Error);
        Assert.Contains($"{command} [options]", run.Output);
        var line = run.Output.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith(option,
            System.StringComparison.Ordinal));
        Assert.True(line is not null, $"no line for {option}:\n{run.Output}");
        Assert.Contains("[default: ", line);
        Assert.Contains("--verbose", run.Output);
    }

    [Fact]
    public void Help_WithoutCommand_ListsTheCommands()
    {
        var run = CliProcess.Run(new[] { "help" });

        Assert.Equal(0, run.ExitCode);
        foreach (var command in new[] { "quickstart", "density", "anomaly", "images", "flows" }) Assert.Contains($"  "
            + $"{command} ", run.Output);
    }

    [Theory]
    [InlineData("--epochs needs a value", "quickstart", "--epochs")]
    [InlineData("--epochs needs a value", "quickstart", "--epochs", "--width", "8")]
    [InlineData("--epochs: 99999999999 is too large (the largest allowed is "
        + "2147483647)", "quickstart", "--epochs", "99999999999")]
    [InlineData("--epochs: 0 is too small (the smallest allowed is 1)", "quickstart", "--epochs", "0")]
    [InlineData("--width: 'wide' is not an integer", "quickstart", "--width", "wide")]
    [InlineData("Unrecognized command or argument '--epoch'", "quickstart", "--epoch", "3")]
    [InlineData("--data and --images cannot be used together", "quickstart", "--data", "nice.dll", "--images", ".")]
    [InlineData("--label and --header apply to --data FILE.csv only", "quickstart", "--label", "y")]
    [InlineData("--preset: 'huge' is not one of paper, reduced", "density", "--preset", "huge")]
    [InlineData("--minutes: -1 is out of range (a number > 0)", "density", "--minutes", "-1")]
    [InlineData("--minutes: 0 is out of range (a number > 0)", "density", "--minutes", "0")]
    [InlineData("unknown command 'quickstar'", "quickstar")]
    public void UsageMistake_GivesOneLineAndExitCode2(string expected, params string[] args)
    {
        var run = CliProcess.Run(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("", run.Output);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void MissingDataFile_IsNamedWithItsFullPath_ExitCode2()
    {
        string dir = Directory.CreateTempSubdirectory("nice-cli-").FullName;
        try
        {
            var run = CliProcess.Run(new[] { "quickstart", "--data", "absent.csv" }, workingDirectory: dir);

            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Contains($"--data: file not found: {Path.Combine(dir, "absent.csv")}",
                Assert.Single(run.ErrorLines));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BenchmarkUsageMistake_GivesOneLineAndExitCode2()
    {
        var run = CliProcess.Run(new[] { "bench-train", "--data", "cifar" }, program: CliProcess.Benchmarks);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--data: 'cifar' is not one of random, fashion", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public void LibraryError_IsOneLineWithoutStackTrace_ExitCode1()
    {
        string zip = Path.Combine(Directory.CreateTempSubdirectory("nice-cli-").FullName, "model.zip");
        File.WriteAllText(zip, "not a zip");
        try
        {
            var run = CliProcess.Run(new[] { "images", "--load", zip });

            Assert.True(run.ExitCode == 1, run.ToString());
            var line = Assert.Single(run.ErrorLines);
            Assert.StartsWith("nice images: ", line);
            Assert.Contains($"{zip} is not a readable model zip", line);
            Assert.DoesNotContain("   at ", run.Error);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(zip)!, recursive: true);
        }
    }

    [Fact]
    public void LibraryError_WithVerbose_AddsTheStackTrace()
    {
        string zip = Path.Combine(Directory.CreateTempSubdirectory("nice-cli-").FullName, "model.zip");
        File.WriteAllText(zip, "not a zip");
        try
        {
            var run = CliProcess.Run(new[] { "images", "--load", zip, "--verbose" });

            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.StartsWith("nice images: ", run.ErrorLines[0]);
            Assert.Contains("System.IO.InvalidDataException", run.Error);
            Assert.Contains("at Nice.MLNet.NiceTransformer.Load", run.Error);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(zip)!, recursive: true);
        }
    }
}
