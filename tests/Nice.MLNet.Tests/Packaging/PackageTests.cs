using System;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Nice.MLNet.Cli.Datasets;
using Xunit;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>
/// The packed library is what an application can take: its readme, licence, docs and symbols, dependencies the ML.NET
/// way (managed ONNX Runtime, TorchSharp within the libtorch 2.10.0 line, no native bundle), and a fresh console app
/// that adds the native backends runs, saves and reloads a pipeline.
/// </summary>
[Collection(PackedLibraryCollection.Name)]
[Trait("Category", "Slow"), Trait("Category", "Package")]
public sealed class PackageTests : IDisposable
{
    private readonly PackedLibrary packed;
    private readonly string dir = Directory.CreateTempSubdirectory("nice-pack-").FullName;

    public PackageTests(PackedLibrary packed) => this.packed = packed;

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    private XElement Metadata()
    {
        using var zip = ZipFile.OpenRead(packed.Nupkg);
        using var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec")).Open();
        return XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string? Value(XElement metadata, string name) =>
        metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

    [Fact]
    public void Package_HoldsReadmeLicenceDocsAndSymbols()
    {
        Assert.True(File.Exists(Path.ChangeExtension(packed.Nupkg, ".snupkg")), "symbols package");
        using var zip = ZipFile.OpenRead(packed.Nupkg);
        var names = zip.Entries.Select(e => e.FullName).ToArray();
        Assert.Contains("PACKAGE.md", names);
        Assert.Contains("LICENSE", names);
        Assert.Contains("lib/net10.0/Nice.MLNet.dll", names);
        Assert.Contains("lib/net10.0/Nice.MLNet.xml", names);
        Assert.Equal("PACKAGE.md", Value(Metadata(), "readme"));
    }

    [Fact]
    public void PackageReadme_LinksAbsolutelyToTheRepositoryUrl()
    {
        var metadata = Metadata();
        string projectUrl = Value(metadata, "projectUrl")!;
        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        Assert.StartsWith("https://", projectUrl);
        Assert.Equal(projectUrl, (string?)repository.Attribute("url"));

        using var zip = ZipFile.OpenRead(packed.Nupkg);
        using var reader = new StreamReader(zip.GetEntry("PACKAGE.md")!.Open());
        string readme = reader.ReadToEnd();
        Assert.DoesNotContain("{{", readme);
        var links = Regex.Matches(readme, @"\]\(([^)\s]+)\)").Select(m => m.Groups[1].Value).ToArray();
        Assert.NotEmpty(links);
        Assert.All(links, link => Assert.Matches("^https://", link));
        Assert.Contains(links, link => link.StartsWith(projectUrl, StringComparison.Ordinal));
    }

    [Fact]
    public void Dependencies_AreManagedOnnxRuntimeAndTorchSharpForLibtorch210()
    {
        var dependencies = Metadata().Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => (string)e.Attribute("id")!, e => (string)e.Attribute("version")!);
        Assert.Equal("1.31.1", dependencies["Microsoft.ML.OnnxRuntime.Managed"]);
        Assert.False(dependencies.ContainsKey("Microsoft.ML.OnnxRuntime"), "the native ONNX Runtime: the app's choice");
        Assert.Equal("[0.107.0, 0.108.0)", dependencies["TorchSharp"]);
        Assert.DoesNotContain(dependencies.Keys, id => id.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase)
            || id.StartsWith("TorchSharp-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void FreshConsoleApp_WithTheNativeBackends_FitsSavesAndReloads()
    {
        ConsumerProject.WriteNuGetConfig(dir, packed.Feed);
        File.WriteAllText(Path.Combine(dir, "app.csproj"), ConsumerProject.Csproj(packed.Version));
        File.WriteAllText(Path.Combine(dir, "Program.cs"), """
            using System;
            using System.Linq;
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using Nice.MLNet;

            var ml = new MLContext(seed: 1);
            var rng = new Random(1);
            var rows = Enumerable.Range(0, 400).Select(_ =>
            {
                var a = rng.NextDouble();
                float b = (float)(a + 0.1 * rng.NextDouble()), c = (float)rng.NextDouble();
                return new Row { Features = new[] { (float)a, b, c } };
            }).ToArray();
            var data = ml.Data.LoadFromEnumerable(rows);
            var options = new NiceOptions { HiddenLayers = 2, HiddenWidth = 32, Epochs = 5 };
            var model = ml.Transforms.Nice(options).Fit(data);
            var ll = model.Transform(data).GetColumn<float>("LogLikelihood").Average();
            ml.Model.Save(model, data.Schema, "m.zip");
            var loaded = ml.Model.Load("m.zip", out _).Transform(data).GetColumn<float>("LogLikelihood").Average();
            Console.WriteLine(FormattableString.Invariant($"OK mean log-likelihood {ll:F4} loaded {loaded:F4}"));

            public sealed class Row { [VectorType(3)] public float[] Features = Array.Empty<float>(); }
            """);
        var run = ProcessRun.Start("dotnet", new[] { "run", "-c", "Release" }, dir, TimeSpan.FromMinutes(8));
        Assert.True(run.ExitCode == 0, run.ToString());
        var parts = run.Stdout.Split('\n').Single(l => l.StartsWith("OK mean log-likelihood")).Trim().Split(' ');
        double fitted = double.Parse(parts[3], CultureInfo.InvariantCulture);
        double loaded = double.Parse(parts[5], CultureInfo.InvariantCulture);
        Assert.True(double.IsFinite(fitted));
        Assert.Equal(fitted, loaded, 3);
    }
}
