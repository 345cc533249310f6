using System;
using System.IO;
using System.Linq;
using Xunit;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>
/// An application with libtorch but without ONNX Runtime's native package (the README's Backends section says one that
/// never saves or loads a zip may leave it out): the automatic scoring engine fits and scores on TorchSharp, and a
/// model told to score on ONNX Runtime is refused with a message that names the package to add.
/// </summary>
[Trait("Category", "Slow"), Trait("Category", "Package")]
[Collection(PackedLibraryCollection.Name)]
public sealed class ScoringWithoutOnnxRuntimeTests : IDisposable
{
    private readonly PackedLibrary packed;
    private readonly string app = Directory.CreateTempSubdirectory("nice-no-ort-").FullName;

    public ScoringWithoutOnnxRuntimeTests(PackedLibrary packed) => this.packed = packed;

    public void Dispose()
    {
        try { Directory.Delete(app, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void AppWithoutOnnxRuntimeNative_AutoScoresOnTorchSharp_AndExplicitOnnxRuntimeSaysWhatToAdd()
    {
        ConsumerProject.WriteNuGetConfig(app, packed.Feed);
        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework>
                <NoWarn>$(NoWarn);NU1603</NoWarn></PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Nice.MLNet" Version="{packed.Version}" />
                <PackageReference Include="{ConsumerProject.Backend}" Version="2.10.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System;
            using System.Linq;
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using Nice.MLNet;

            var ml = new MLContext(1);
            var random = new Random(1);
            var rows = Enumerable.Range(0, 200).Select(_ =>
            {
                float a = (float)random.NextDouble(), b = (float)random.NextDouble();
                return new Row { Features = new[] { a, a * a + 0.05f * b, b } };
            }).ToArray();
            var data = ml.Data.LoadFromEnumerable(rows);
            var options = new NiceOptions { HiddenLayers = 1, HiddenWidth = 16, Epochs = 2, Seed = 1 };
            using var auto = ml.Transforms.Nice(options).Fit(data);
            var ll = auto.Transform(data).GetColumn<float>("LogLikelihood").ToArray();
            Console.WriteLine($"engine {auto.ScoringEngine}");
            Console.WriteLine($"rows {ll.Length} finite {ll.All(float.IsFinite)}");
            options.ScoringEngine = NiceScoringEngine.OnnxRuntime;
            using var ort = ml.Transforms.Nice(options).Fit(data);
            try
            {
                ort.Transform(data).GetColumn<float>("LogLikelihood").ToArray();
                Console.WriteLine("ort scored");
            }
            catch (Exception e)
            {
                while (e is not InvalidOperationException && e.InnerException != null) e = e.InnerException;
                Console.WriteLine($"ort {e.GetType().Name}: {e.Message.Replace('\n', ' ')}");
            }

            public sealed class Row { [VectorType(3)] public float[] Features = Array.Empty<float>(); }
            """);
        var run = ProcessRun.Start("dotnet", new[] { "run", "-c", "Release" }, app, TimeSpan.FromMinutes(8));
        Assert.True(run.ExitCode == 0, run.ToString());

        Assert.Equal("TorchSharp", run.Line("engine"));
        Assert.Equal("200 finite True", run.Line("rows"));
        Assert.StartsWith("InvalidOperationException: ", run.Line("ort"));
        Assert.Contains("Microsoft.ML.OnnxRuntime", run.Line("ort"));
        Assert.Empty(Directory.EnumerateFiles(app, "libonnxruntime*", SearchOption.AllDirectories));
    }
}
