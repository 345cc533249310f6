using System.CommandLine;

namespace Nice.MLNet.Benchmarks;

/// <summary>The commands of this program, new instances for every run.</summary>
public static class BenchmarkCommands
{
    public static Command[] Create() => new Command[] { new BenchTrainCommand(), new BenchScoreCommand(),
        new BenchMemoryCommand() };
}
