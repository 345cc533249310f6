using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>
/// Every C# block of README.md and of the package readme (src/Nice.MLNet/PACKAGE.md) is a program that compiles as
/// written against the packed library, in a fresh application, and runs to the end from a folder holding the
/// repository's data/ (where a reader of a clone runs it: the repository root).
/// </summary>
[Collection(PackedLibraryCollection.Name)]
[Trait("Category", "Slow"), Trait("Category", "Package")]
public sealed class ReadmeCodeTests : IDisposable
{
    private readonly PackedLibrary packed;
    private readonly ITestOutputHelper output;
    private readonly string dir = Directory.CreateTempSubdirectory("nice-readme-").FullName;

    public ReadmeCodeTests(PackedLibrary packed, ITestOutputHelper output)
    {
        this.packed = packed;
        this.output = output;
    }

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>The ```csharp blocks of a markdown file, each named after its file and the heading above it.</summary>
    internal static IEnumerable<(string Name, string Heading, string Code)> CSharpBlocks(string markdownPath)
    {
        string prefix = Path.GetFileNameWithoutExtension(markdownPath).ToLowerInvariant();
        string heading = "";
        int count = 0;
        var lines = File.ReadAllLines(markdownPath);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith('#')) heading = lines[i].TrimStart('#', ' ');
            if (lines[i].Trim() != "```csharp") continue;
            var code = new StringBuilder();
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++) code.AppendLine(lines[i]);
            yield return ($"{prefix}_{++count}", heading, code.ToString());
        }
    }

    [Fact]
    public void ReadmeAndPackageReadme_HaveCSharpBlocks()
    {
        Assert.True(CSharpBlocks(RepositoryFiles.Path("README.md")).Count() >= 5);
        Assert.Single(CSharpBlocks(RepositoryFiles.Path("src/Nice.MLNet/PACKAGE.md")));
    }

    [Fact]
    public void EveryCSharpBlock_CompilesAgainstThePackage_AndRunsToTheEnd()
    {
        var blocks = CSharpBlocks(RepositoryFiles.Path("README.md"))
            .Concat(CSharpBlocks(RepositoryFiles.Path("src/Nice.MLNet/PACKAGE.md"))).ToArray();
        ConsumerProject.WriteNuGetConfig(dir, packed.Feed);
        var solution = new StringBuilder("<Solution>\n");
        foreach (var block in blocks)
        {
            string project = Directory.CreateDirectory(Path.Combine(dir, block.Name)).FullName;
            // A block on image features references the model package as the README tells its reader to.
            string items = block.Code.Contains("ModelSelector.ResNet18") || block.Code.Contains(".ImageFeatures(")
                ? ConsumerProject.ResNet18Reference : "";
            File.WriteAllText(Path.Combine(project, block.Name + ".csproj"),
                ConsumerProject.Csproj(packed.Version, extraItems: items));
            File.WriteAllText(Path.Combine(project, "Program.cs"), block.Code);
            solution.AppendLine($"  <Project Path=\"{block.Name}/{block.Name}.csproj\" />");
        }
        File.WriteAllText(Path.Combine(dir, "blocks.slnx"), solution.Append("</Solution>\n").ToString());

        // One build for all blocks into one output folder, so the native backends are copied there once.
        string bin = Path.Combine(dir, "bin") + Path.DirectorySeparatorChar;
        var build = ProcessRun.Start("dotnet",
            new[] { "build", "blocks.slnx", "-c", "Release", "-m:1", $"-p:OutDir={bin}" }, dir,
            TimeSpan.FromMinutes(8));
        var errors = Regex.Matches(build.Stdout, @"(\S+)[/\\]Program\.cs\((\d+),\d+\): error (.*)")
            .Select(m => $"{Heading(blocks, m.Groups[1].Value)} line {m.Groups[2].Value}: {m.Groups[3].Value}")
            .Distinct();
        Assert.True(build.ExitCode == 0, "blocks that do not compile:\n" + string.Join("\n", errors) + "\n\n" + build);
        output.WriteLine($"built {blocks.Length} blocks in {build.Elapsed.TotalSeconds:F0}s");

        string work = Directory.CreateDirectory(Path.Combine(dir, "work")).FullName;
        CopyDirectory(RepositoryFiles.Path("data"), Path.Combine(work, "data"));
        var failures = new List<string>();
        foreach (var block in blocks)
        {
            var run = ProcessRun.Start("dotnet", new[] { Path.Combine(bin, block.Name + ".dll") }, work,
                TimeSpan.FromMinutes(4));
            var last = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(2);
            output.WriteLine($"{block.Name} ({block.Heading}): exit {run.ExitCode} in {run.Elapsed.TotalSeconds:F0}s; "
                + string.Join(" | ", last));
            if (run.ExitCode != 0) failures.Add($"README block under \"{block.Heading}\" ({block.Name}):\n{run}");
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private static string Heading((string Name, string Heading, string Code)[] blocks, string path) =>
        blocks.FirstOrDefault(b => path.EndsWith(b.Name, StringComparison.Ordinal)) is { Name: not null } b
            ? $"block under \"{b.Heading}\" ({b.Name})" : path;

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
