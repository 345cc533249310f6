using System;
using System.Diagnostics;
using System.IO;
using Nice.MLNet.Cli.Datasets;
using Xunit;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>
/// Nice.MLNet packed once (<c>dotnet pack</c>, a unique prerelease version) into a local feed, for the tests that
/// restore it into fresh console apps; and the helpers those apps need.
/// </summary>
public sealed class PackedLibrary : IDisposable
{
    public PackedLibrary()
    {
        Dir = Directory.CreateTempSubdirectory("nice-pack-").FullName;
        Version = $"0.1.0-test{DateTime.UtcNow:yyyyMMddHHmmss}{Environment.ProcessId}";
        Feed = Path.Combine(Dir, "feed");
        Run("dotnet", $"pack \"{Repo.File("src/Nice.MLNet/Nice.MLNet.csproj")}\" -c Release -o \"{Feed}\" "
            + $"-p:Version={Version}", Repo.Root);
    }

    public string Dir { get; }
    public string Feed { get; }
    public string Version { get; }

    /// <summary>A new folder for an app, with a nuget.config that finds the packed library first.</summary>
    public string NewApp(string name)
    {
        string app = Path.Combine(Dir, name);
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        return app;
    }

    /// <summary>Runs a program to its end (5 minutes at most); fails with its output unless it exits 0.</summary>
    public static string Run(string file, string arguments, string workingDirectory)
    {
        var psi = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"{file} {arguments} timed out");
        Assert.True(process.ExitCode == 0,
            $"{file} {arguments} exited {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The tests that share one packed library.</summary>
[CollectionDefinition(Name)]
public sealed class PackedLibraryCollection : ICollectionFixture<PackedLibrary>
{
    public const string Name = "Packed library";
}
