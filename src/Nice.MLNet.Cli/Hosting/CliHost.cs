using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.IO;
using System.Linq;

namespace Nice.MLNet.Cli.Hosting;

/// <summary>
/// Runs commands the way a user meets them: System.CommandLine parses; <c>--help</c> works on every command; a parse
/// error (unknown option, missing value, number out of range, missing file) is one line on stderr and exit code 2; a
/// failure of the work (bad data, a library error) is one line on stderr and exit code 1, with the stack trace only
/// under <c>--verbose</c>. Everything is written to the writers given, so tests need no <c>Console.SetOut</c>.
/// </summary>
public static class CliHost
{
    /// <summary>Exit codes: success, a failure of the work, a usage error.</summary>
    public const int Success = 0, Failure = 1, UsageError = 2;

    /// <summary>
    /// The name shown in usage lines and messages: <c>./run.sh</c> when run.sh starts the program (it sets
    /// <c>NICE_CLI_NAME</c>), otherwise <paramref name="fallback"/>.
    /// </summary>
    public static string ProgramName(string fallback)
        => Environment.GetEnvironmentVariable("NICE_CLI_NAME") is { Length: > 0 } name ? name : fallback;

    /// <summary>Parses <paramref name="args"/> against <paramref name="commands"/> and runs the one named; returns the
    /// exit code.</summary>
    public static int Run(string program, IReadOnlyList<Command> commands, IReadOnlyList<string> args,
        TextWriter output, TextWriter error)
    {
        var verbose = new Option<bool>("--verbose") { Description = "On an error, print the stack trace too.",
            Recursive = true };
        var root = new Command(program, "Nice.MLNet: NICE normalizing flows for ML.NET.");
        root.Options.Add(new HelpOption());
        root.Options.Add(verbose);
        foreach (var c in commands) root.Subcommands.Add(c);

        if (args.Count == 0 || args is ["help"] || args is ["--help"] || args is ["-h"])
        {
            WriteCommandList(root, output, header: true);
            return Success;
        }
        if (args is ["--list-commands"])
        {
            WriteCommandList(root, output, header: false);
            return Success;
        }
        if (args is ["help", var name]) args = new[] { name, "--help" };

        var command = commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            error.WriteLine($"{program}: unknown command '{args[0]}'. Commands: "
                + $"{string.Join(", ", commands.Select(c => c.Name))}.");
            return UsageError;
        }
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            // The first error about an option (a later "unrecognized argument" is often its consequence).
            var first = result.Errors.OrderBy(e => e.SymbolResult is OptionResult or ArgumentResult ? 0 : 1).First();
            error.WriteLine($"{program} {command.Name}: {Message(first)} (see: {program} {command.Name} --help)");
            return UsageError;
        }
        try
        {
            return result.Invoke(new InvocationConfiguration
            {
                Output = output, Error = error, EnableDefaultExceptionHandler = false,
            });
        }
        catch (Exception e)
        {
            bool showStack = result.GetValue(verbose);
            error.WriteLine($"{program} {command.Name}: {Describe(e, showStack)}");
            if (showStack) error.WriteLine(e.ToString());
            return e is CliUsageException ? UsageError : Failure;
        }
        finally
        {
            output.Flush();
            error.Flush();
        }
    }

    /// <summary>
    /// One line: the message of the exception a user can act on (wrappers such as AggregateException removed). Errors
    /// of the expected kinds (bad input, files, the library's own) give their message alone; anything else is named by
    /// type, since it is likely a bug, with a pointer to <c>--verbose</c>.
    /// </summary>
    public static string Describe(Exception e, bool verbose = false)
    {
        while (e is AggregateException or System.Reflection.TargetInvocationException && e.InnerException is not null)
            e = e.InnerException;
        string message = OneLine(e.Message);
        if (e.InnerException is { } inner && !message.Contains(OneLine(inner.Message), StringComparison.Ordinal))
            message += $" ({OneLine(inner.Message)})";
        bool expected = e is CliUsageException or ArgumentException or InvalidDataException or IOException
            or UnauthorizedAccessException or NiceTrainingException or InvalidOperationException or FormatException
            or OperationCanceledException or NotSupportedException;
        if (expected) return message;
        return $"{e.GetType().Name}: {message}{(verbose ? "" : " (--verbose prints the stack trace)")}";
    }

    /// <summary>A parse error in one line; a missing value is said in the option's own words.</summary>
    private static string Message(ParseError error)
        => error.SymbolResult is OptionResult { Tokens.Count: 0, Implicit: false } option
            && option.Option.Arity.MinimumNumberOfValues > 0
            ? $"{option.Option.Name} needs a value{(option.Option.HelpName is { } help ? $" ({help})" : "")}."
            : OneLine(error.Message);

    private static string OneLine(string text)
        => string.Join(" ", text.Split(new[] { '\r', '\n', '\t' }, StringSplitOptions.RemoveEmptyEntries).Select(s =>
            s.Trim()));

    private static void WriteCommandList(Command root, TextWriter output, bool header)
    {
        if (header)
        {
            output.WriteLine($"usage: {root.Name} COMMAND [options]     ({root.Name} COMMAND --help lists a command's "
                + $"options)");
            output.WriteLine();
            output.WriteLine("commands:");
        }
        foreach (var c in root.Subcommands) output.WriteLine($"  {c.Name,-14} {c.Description}");
    }
}
