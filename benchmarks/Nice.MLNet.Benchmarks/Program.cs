using System;
using System.CommandLine;
using System.Globalization;
using Nice.MLNet.Benchmarks;
using Nice.MLNet.Cli.Hosting;

// Benchmarks that time the engine's internals (see README.md); the same host as the `nice` CLI parses and reports.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
return CliHost.Run(CliHost.ProgramName("nice-bench"), BenchmarkCommands.Create(), args, Console.Out, Console.Error);
