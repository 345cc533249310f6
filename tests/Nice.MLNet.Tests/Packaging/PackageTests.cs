using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using Nice.MLNet.Cli.Datasets;
using Xunit;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>`dotnet pack` gives a package a user can consume: README, licence, XML docs, symbols, TorchSharp as the only torch dependency, and it runs a pipeline in a fresh app.</summary>
[Trait("Category", "Slow"), Trait("Category", "Package")]
[Collection(PackedLibraryCollection.Name)]
public sealed class PackageTests
{
    private readonly PackedLibrary packed;

    public PackageTests(PackedLibrary packed) => this.packed = packed;

    [Fact]
    public void Pack_ThenRestoreIntoAFreshConsoleApp_RunsAPipeline()
    {
        string version = packed.Version;
        string feed = packed.Feed;

        string nupkg = Path.Combine(feed, $"Nice.MLNet.{version}.nupkg");
        Assert.True(File.Exists(Path.Combine(feed, $"Nice.MLNet.{version}.snupkg")), "symbols package");
        using (var zip = ZipFile.OpenRead(nupkg))
        {
            var names = zip.Entries.Select(e => e.FullName).ToArray();
            Assert.Contains("README.md", names);
            Assert.Contains("LICENSE", names);
            Assert.Contains("lib/net10.0/Nice.MLNet.dll", names);
            Assert.Contains("lib/net10.0/Nice.MLNet.xml", names);
            using var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec")).Open();
            var ids = XDocument.Load(nuspec).Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToArray();
            Assert.Contains("TorchSharp", ids);
            Assert.DoesNotContain(ids, id => id.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase) || id.StartsWith("TorchSharp-", StringComparison.OrdinalIgnoreCase));
        }

        string app = packed.NewApp("app");
        string backend = OperatingSystem.IsWindows() ? "libtorch-cpu-win-x64" : OperatingSystem.IsMacOS() ? "libtorch-cpu-osx-arm64" : "libtorch-cpu-linux-x64";
        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><NoWarn>NU1603</NoWarn></PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Nice.MLNet" Version="{version}" />
                <PackageReference Include="{backend}" Version="2.10.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System;
            using System.Linq;
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using Nice.MLNet;

            var ml = new MLContext(seed: 1);
            var rng = new Random(1);
            var rows = Enumerable.Range(0, 400).Select(_ => { var a = rng.NextDouble(); return new Row { Features = new[] { (float)a, (float)(a + 0.1 * rng.NextDouble()), (float)rng.NextDouble() } }; }).ToArray();
            var data = ml.Data.LoadFromEnumerable(rows);
            var model = ml.Transforms.Nice(new NiceOptions { HiddenLayers = 2, HiddenWidth = 32, Epochs = 5 }).Fit(data);
            var ll = model.Transform(data).GetColumn<float>("LogLikelihood").Average();
            ml.Model.Save(model, data.Schema, "m.zip");
            var loaded = ml.Model.Load("m.zip", out _).Transform(data).GetColumn<float>("LogLikelihood").Average();
            Console.WriteLine(FormattableString.Invariant($"OK mean log-likelihood {ll:F4} loaded {loaded:F4}"));

            public sealed class Row { [VectorType(3)] public float[] Features = Array.Empty<float>(); }
            """);
        var output = PackedLibrary.Run("dotnet", "run -c Release", app);
        var line = output.Split('\n').Single(l => l.StartsWith("OK mean log-likelihood"));
        var parts = line.Split(' ');
        double fitted = double.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture);
        double loaded = double.Parse(parts[5], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(double.IsFinite(fitted));
        Assert.Equal(fitted, loaded, 3);
    }
}
