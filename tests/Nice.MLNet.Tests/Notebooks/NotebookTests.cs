using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Nice.MLNet.Cli.Datasets;
using Nice.MLNet.Tests.Packaging;
using Xunit;

namespace Nice.MLNet.Tests.Notebooks;

/// <summary>
/// Each notebook in notebooks/ runs unchanged, cell by cell, in the .NET Interactive C# kernel (tools/NotebookRunner),
/// taking Nice.MLNet from the package packed for this test run, on reduced settings (NICE_NOTEBOOK_QUICK=1); the
/// numbers it displays are checked against what an untrained or broken model would show.
/// </summary>
[Collection(PackedLibraryCollection.Name)]
[Trait("Category", "Slow"), Trait("Category", "Notebook")]
public sealed class NotebookTests : IDisposable
{
    private static readonly string[] Walkthroughs = { "anomaly-detection.ipynb", "images.ipynb", "quickstart.ipynb" };
    private readonly PackedLibrary packed;
    private readonly string dir = Directory.CreateTempSubdirectory("nice-notebook-").FullName;

    public NotebookTests(PackedLibrary packed) => this.packed = packed;

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    private static string Runner()
    {
        string configuration = typeof(NotebookTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!
            .Configuration;
        return RepositoryFiles.Path(Path.Combine("tools", "NotebookRunner", "bin", configuration, "net10.0",
            "NotebookRunner.dll"));
    }

    /// <summary>Runs the notebook in the kernel and reads back the notebook with its outputs.</summary>
    private ExecutedNotebook Run(string name)
    {
        var run = ProcessRun.Start("dotnet",
            new[] { Runner(), "--out", Path.Combine(dir, "executed"), RepositoryFiles.Path("notebooks/" + name) },
            RepositoryFiles.Root, TimeSpan.FromMinutes(8),
            new Dictionary<string, string> { ["NICE_NOTEBOOK_QUICK"] = "1", ["NICE_NOTEBOOK_OUT"] = dir });
        var notebook = new ExecutedNotebook(Path.Combine(dir, "executed", name));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(notebook.Errors);
        Assert.Equal(notebook.CodeCells, notebook.ExecutedCells);
        Assert.Contains(notebook.Html, html => html.Contains($"Nice.MLNet, {packed.Version}"));
        return notebook;
    }

    [Fact]
    public void NotebooksFolder_HoldsTheTestedWalkthroughs()
    {
        var names = Directory.GetFiles(RepositoryFiles.Path("notebooks"), "*.ipynb").Select(Path.GetFileName).Order();
        Assert.Equal(Walkthroughs, names);
    }

    [Fact]
    public void CommittedNotebooks_ShowTheirOutputs()
    {
        foreach (var name in Walkthroughs)
        {
            var notebook = new ExecutedNotebook(RepositoryFiles.Path("notebooks/" + name));
            Assert.True(notebook.CodeCells == notebook.ExecutedCells, $"{name}: every code cell has run");
            Assert.Empty(notebook.Errors);
            Assert.Contains("bits/dim", notebook.Text);
        }
        Assert.Equal(5, new ExecutedNotebook(RepositoryFiles.Path("notebooks/images.ipynb")).Pngs.Count());
    }

    [Fact]
    public void Quickstart_InTheKernel_BeatsTheUntrainedFlow()
    {
        var notebook = Run("quickstart.ipynb");
        // After 2 epochs the seeded run shows 40.59 nats, 3.172 bits/dim; the untrained flow (data-dependent
        // initialization only) gives 32.95 nats, 3.345 bits/dim on the same split; uniform noise 0 nats, 4.087.
        double ll = notebook.Number(@"test log-likelihood (-?[\d.]+) ±");
        double bitsPerDim = notebook.Number(@"nats, ([\d.]+) bits/dim");
        Assert.InRange(ll, 36, 200);
        Assert.InRange(bitsPerDim, 1, 3.30);
        Assert.Single(notebook.Pngs, IsPng);
        Assert.Contains(notebook.Html, html => html.Contains("<table") && html.Contains("TrainNll"));
    }

    [Fact]
    public void AnomalyDetection_InTheKernel_SeparatesNinesAndReloads()
    {
        var notebook = Run("anomaly-detection.ipynb");
        // 2 epochs: AUC 0.653 on the seeded split (a score unrelated to the digit would give 0.5 ± 0.03).
        Assert.InRange(notebook.Number(@"NICE: +AUC ([\d.]+)"), 0.6, 1.0);
        Assert.InRange(notebook.Number(@"RandomizedPca: AUC ([\d.]+)"), 0.5, 1.0);
        double threshold = notebook.Number(@"(?m)^threshold (-?[\d.]+) nats");
        Assert.Equal(threshold, notebook.Number(@"reloaded threshold (-?[\d.]+)"));
    }

    [Fact]
    public void Images_InTheKernel_BeatUniformNoiseAndShowFivePictures()
    {
        var notebook = Run("images.ipynb");
        // 3 epochs on 900 images: 127.5 nats, 7.765 bits/dim on the seeded split; uniform noise: 0 nats, 8 bits/dim.
        Assert.InRange(notebook.Number(@"test: (-?[\d.]+) ±"), 0, 2000);
        Assert.InRange(notebook.Number(@"nats, ([\d.]+) bits/dim"), 1, 7.9);
        var pngs = notebook.Pngs.ToArray();
        Assert.Equal(5, pngs.Length);
        Assert.All(pngs, png => Assert.True(IsPng(png)));
    }

    [Fact]
    public void Runner_StopsAtTheFirstFailingCell_AndLeavesTheNotebookAsItWas()
    {
        string notebook = Path.Combine(dir, "failing.ipynb");
        string Cell(string code) => $$"""
            {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": ["{{code}}"]}
            """;
        File.WriteAllText(notebook, "{\"cells\": [" + string.Join(",", Cell("Console.WriteLine(\\\"one\\\");"),
            Cell("int x = undefinedName;"), Cell("Console.WriteLine(\\\"three\\\");"))
            + "], \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}");
        string before = File.ReadAllText(notebook);

        var write = ProcessRun.Start("dotnet", new[] { Runner(), "--write", notebook }, dir, TimeSpan.FromMinutes(4));
        Assert.True(write.ExitCode == 1, write.ToString());
        Assert.Contains("cell 2 failed", write.Stderr);
        Assert.Contains("undefinedName", write.Stderr);
        Assert.Equal(before, File.ReadAllText(notebook));

        var run = ProcessRun.Start("dotnet", new[] { Runner(), "--out", Path.Combine(dir, "executed"), notebook }, dir,
            TimeSpan.FromMinutes(4));
        Assert.Equal(1, run.ExitCode);
        var executed = new ExecutedNotebook(Path.Combine(dir, "executed", "failing.ipynb"));
        Assert.Equal(2, executed.ExecutedCells);
        Assert.Contains("one", executed.Text);
        Assert.DoesNotContain("three", executed.Text);
        Assert.Contains(executed.Errors, e => e.Contains("CS0103"));
    }

    private static bool IsPng(byte[] bytes) =>
        bytes.Length > 100 && bytes.Take(8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 });
}
