using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace Nice.MLNet.Cli.Hosting;

/// <summary>
/// Progress of a long step that has no finer-grained report: a line when it starts ("evaluating 2,000 test rows ...")
/// and one when it ends, with the seconds it took, so a user always sees what the program is doing.
/// </summary>
public static class Phase
{
    /// <summary>Runs <paramref name="work"/> between a start line and an end line that gives the elapsed
    /// time.</summary>
    public static T Run<T>(TextWriter output, string what, Func<T> work)
    {
        output.WriteLine($"{what} ...");
        output.Flush();
        var clock = Stopwatch.StartNew();
        var result = work();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: done in "
            + $"{clock.Elapsed.TotalSeconds:F1}s"));
        output.Flush();
        return result;
    }

    /// <summary>As <see cref="Run{T}(TextWriter, string, Func{T})"/> for work without a result.</summary>
    public static void Run(TextWriter output, string what, Action work)
        => Run(output, what, () => { work(); return 0; });
}
