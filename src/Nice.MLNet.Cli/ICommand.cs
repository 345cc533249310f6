namespace Nice.MLNet.Cli;

/// <summary>One command of the <c>nice</c> tool. Every non-abstract implementation is found by reflection, so a new command is one new file.</summary>
public interface ICommand
{
    /// <summary>What the user types: <c>./run.sh NAME</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>./run.sh help</c>.</summary>
    string Summary { get; }

    /// <summary>Runs the command; returns the process exit code.</summary>
    int Run(Args args);
}
