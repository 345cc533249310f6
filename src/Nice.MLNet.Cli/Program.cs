using System;
using System.Globalization;
using System.CommandLine;
using Nice.MLNet.Cli.Commands;
using Nice.MLNet.Cli.Hosting;

// The `nice` tool: ./run.sh COMMAND runs it (benchmarks that time the engine's internals live in benchmarks/).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var commands = new Command[]
{
    new QuickstartCommand(), new DensityCommand(), new AnomalyBenchCommand(), new ImagesCommand(), new FlowsCommand(),
};
return CliHost.Run(CliHost.ProgramName("nice"), commands, args, Console.Out, Console.Error);
