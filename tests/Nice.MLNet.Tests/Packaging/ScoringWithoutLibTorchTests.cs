using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Tests.MLNet;
using Nice.MLNet.Tests.Scoring;
using Xunit;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>
/// A scoring-only deployment: a fresh console app that references the packed Nice.MLNet and ONNX Runtime's native
/// package — no libtorch package — loads saved zips (<c>mlContext.Model.LoadNice</c> of a normalizer + NICE pipeline,
/// <c>NiceTransformer.Load</c> of a NICE model) and scores them batched on ONNX Runtime, with the fitted models' values,
/// without libtorch ever being loaded into the process; a row that overflows float32 (rescored in float64 by TorchSharp
/// where libtorch is present) is refused with a message that says what to add.
/// </summary>
[Trait("Category", "Slow"), Trait("Category", "Package")]
[Collection(PackedLibraryCollection.Name)]
public sealed class ScoringWithoutLibTorchTests : IDisposable
{
    private readonly PackedLibrary packed;
    private readonly string app = Directory.CreateTempSubdirectory("nice-no-torch-").FullName;

    public ScoringWithoutLibTorchTests(PackedLibrary packed) => this.packed = packed;

    public void Dispose()
    {
        try { Directory.Delete(app, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void SavedZips_ScoreInAFreshAppWithoutLibTorch_LikeTheFittedModels()
    {
        var ml = new MLContext(1);
        var rows = Fixtures.Correlated(300, seed: 6);
        var data = Fixtures.Data(ml, rows);
        var options = new NiceOptions { HiddenLayers = 2, HiddenWidth = 32, Epochs = 3, BatchSize = 64, Seed = 1 };
        var pipeline = ml.Transforms.NormalizeMinMax("Features").Append(ml.Transforms.Nice(options)).Fit(data);
        using var nice = ml.Transforms.Nice(options).Fit(data);
        ConsumerProject.WriteNuGetConfig(app, packed.Feed);
        ml.Model.Save(pipeline, data.Schema, Path.Combine(app, "pipeline.zip"));
        ml.Model.Save(nice, data.Schema, Path.Combine(app, "nice.zip"));
        var features = rows.Select(r => r.Features).ToArray();
        File.WriteAllBytes(Path.Combine(app, "rows.bin"),
            features.SelectMany(f => f).SelectMany(BitConverter.GetBytes).ToArray());
        var expectPipeline = Fixtures.Column(pipeline.Transform(data), "LogLikelihood");
        var expectNice = nice.LogLikelihood(features);

        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework>
                <NoWarn>NU1603</NoWarn></PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Nice.MLNet" Version="{packed.Version}" />
                <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="1.31.1" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System;
            using System.Globalization;
            using System.IO;
            using System.Linq;
            using System.Runtime.InteropServices;
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using Nice.MLNet;

            var ml = new MLContext(1);
            var raw = File.ReadAllBytes("rows.bin");
            var values = new float[raw.Length / 4];
            Buffer.BlockCopy(raw, 0, values, 0, raw.Length);
            var pipeline = ml.Model.LoadNice("pipeline.zip", out var schema);
            int d = ((VectorDataViewType)schema["Features"].Type).Size;
            var rows = Enumerable.Range(0, values.Length / d).Select(i => values[(i * d)..((i + 1) * d)]).ToArray();
            var definition = SchemaDefinition.Create(typeof(Row));
            definition[0].ColumnType = schema["Features"].Type;
            var view = ml.Data.LoadFromEnumerable(rows.Select(r => new Row { Features = r }), definition);
            Print("pipeline", pipeline.Transform(view).GetColumn<float>("LogLikelihood"));
            using var nice = NiceTransformer.Load(ml, "nice.zip");
            Print("nice", nice.LogLikelihood(rows));
            Console.WriteLine($"engine {nice.ScoringEngine}");
            var maps = File.ReadAllText("/proc/self/maps");
            Console.WriteLine($"libtorch loaded {maps.Contains("libtorch") || maps.Contains("LibTorchSharp")}");
            Console.WriteLine($"onnxruntime loaded {maps.Contains("libonnxruntime")}");
            var overflow = rows[0].ToArray();
            overflow[1] = float.MaxValue;
            try { nice.LogLikelihood(new[] { overflow }); Console.WriteLine("overflow scored"); }
            catch (InvalidOperationException e) { Console.WriteLine($"overflow {e.Message.Replace('\n', ' ')}"); }
            Console.WriteLine($"OMP_WAIT_POLICY {Marshal.PtrToStringUTF8(getenv("OMP_WAIT_POLICY"))}");

            static void Print(string name, System.Collections.Generic.IEnumerable<float> ll)
                => Console.WriteLine($"{name} " + string.Join(" ", ll.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));

            [DllImport("libc")] static extern IntPtr getenv(string name);

            public sealed class Row { public float[] Features = Array.Empty<float>(); }
            """);
        var run = ProcessRun.Start("dotnet", new[] { "run", "-c", "Release" }, app, TimeSpan.FromMinutes(8));
        Assert.True(run.ExitCode == 0, run.ToString());

        Assert.Equal("False", run.Line("libtorch loaded"));
        Assert.Equal("True", run.Line("onnxruntime loaded"));
        Assert.Equal("OnnxRuntime", run.Line("engine"));
        Assert.Contains("overflows float32", run.Line("overflow"));
        Assert.Contains("libtorch", run.Line("overflow"));
        Assert.Equal("PASSIVE", run.Line("OMP_WAIT_POLICY"));
        ScoringEngineTests.AssertClose(expectPipeline, run.Floats("pipeline"), "LoadNice pipeline");
        ScoringEngineTests.AssertClose(expectNice, run.Floats("nice"), "NiceTransformer.Load");
        Assert.Empty(Directory.EnumerateFiles(app, "libtorch_cpu*", SearchOption.AllDirectories));
    }
}
