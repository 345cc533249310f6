using System;

namespace Nice.MLNet.Cli.Hosting;

/// <summary>
/// A usage problem found only once the input is read (for example: a CSV file whose first line may or may not be a
/// header): reported as one line with exit code 2, like a parse error, so the user knows to change the command.
/// </summary>
public sealed class CliUsageException : Exception
{
    public CliUsageException(string message) : base(message) { }
}
