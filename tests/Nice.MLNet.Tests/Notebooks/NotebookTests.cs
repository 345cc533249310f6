using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Nice.MLNet.Cli.Datasets;
using Xunit;

namespace Nice.MLNet.Tests.Notebooks;

/// <summary>Every notebook in notebooks/ compiles and runs to the end (on reduced settings: NICE_NOTEBOOK_QUICK=1).</summary>
[Trait("Category", "Slow"), Trait("Category", "Notebook")]
public sealed class NotebookTests
{
    private static string[] Names() => Directory.GetFiles(Repo.File("notebooks"), "*.ipynb").Select(f => Path.GetFileName(f)!).OrderBy(f => f).ToArray();

    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names()) data.Add(name);
        return data;
    }

    [Fact]
    public void TheNotebooksFolder_HasTheWalkthroughs()
    {
        Assert.Contains("quickstart.ipynb", Names());
        Assert.Contains("anomaly-detection.ipynb", Names());
        Assert.Contains("images.ipynb", Names());
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Notebook_CompilesAndRunsToTheEnd(string notebook)
    {
        string dir = Directory.CreateTempSubdirectory("nice-notebook-").FullName;
        try
        {
            string program = Path.Combine(dir, Path.GetFileNameWithoutExtension(notebook) + ".cs");
            File.WriteAllText(program, NotebookProgram.Convert(Repo.File(Path.Combine("notebooks", notebook)), Repo.File("src/Nice.MLNet/Nice.MLNet.csproj")));
            var psi = new ProcessStartInfo("dotnet", $"run \"{program}\"")
            {
                WorkingDirectory = Repo.File("notebooks"), RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            psi.Environment["NICE_NOTEBOOK_QUICK"] = "1";
            psi.Environment["NICE_NOTEBOOK_OUT"] = dir;
            psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            psi.Environment["DOTNET_NOLOGO"] = "1";
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"{notebook} timed out");
            Assert.True(process.ExitCode == 0, $"{notebook} exited {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}\n--- program ---\n{File.ReadAllText(program)}");
            Assert.Contains("NOTEBOOK DONE", stdout.Result);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
