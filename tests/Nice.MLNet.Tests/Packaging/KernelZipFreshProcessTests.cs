using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Tests.Anomaly;
using Nice.MLNet.Tests.MLNet;
using Xunit;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>
/// A kernel mixture detector (the defaults' choice with fewer rows than columns) fitted and saved here scores in a
/// fresh console app built from the packed package, with <c>mlContext.Model.Load</c> (ONNX Runtime) and with
/// <c>NiceAnomalyDetector.Load</c> (TorchSharp, batched), as the fitted detector did, within 1e-3.
/// </summary>
[Collection(PackedLibraryCollection.Name)]
[Trait("Category", "Slow"), Trait("Category", "Package")]
public sealed class KernelZipFreshProcessTests : IDisposable
{
    private const int D = 40;
    private readonly PackedLibrary packed;
    private readonly string dir = Directory.CreateTempSubdirectory("nice-kernel-app-").FullName;

    public KernelZipFreshProcessTests(PackedLibrary packed) => this.packed = packed;

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void KernelMixtureZip_ScoresInAFreshApp_LikeTheFittedDetector()
    {
        var ml = new MLContext(seed: 1);
        var rng = new Random(3);
        var rows = Enumerable.Range(0, 44).Select(i => new KernelMixtureDetectorTests.WideRow
        {
            Features = Enumerable.Range(0, D).Select(j => (float)((i < 36 ? 1 : 3) * (rng.NextDouble() - 0.5) + j % 3))
                .ToArray(),
        }).ToArray();
        var train = ml.Data.LoadFromEnumerable(rows.Take(36));
        using var detector = ml.AnomalyDetection.Trainers.Nice(new NiceAnomalyOptions
        {
            Nice = new NiceOptions { Epochs = 10 },
        }).Fit(train);
        Assert.True(detector.Model.Flow.IsKernelMixture);
        ml.Model.Save(detector, train.Schema, Path.Combine(dir, "kernel.zip"));
        var expected = Fixtures.Column(detector.Transform(ml.Data.LoadFromEnumerable(rows)), "Score");
        File.WriteAllLines(Path.Combine(dir, "rows.csv"), rows.Select(r =>
            string.Join(",", r.Features.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));

        ConsumerProject.WriteNuGetConfig(dir, packed.Feed);
        File.WriteAllText(Path.Combine(dir, "app.csproj"), ConsumerProject.Csproj(packed.Version));
        File.WriteAllText(Path.Combine(dir, "Program.cs"), """
            using System;
            using System.Globalization;
            using System.IO;
            using System.Linq;
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using Nice.MLNet.Anomaly;

            var ml = new MLContext();
            var rows = File.ReadAllLines("rows.csv").Select(l => new Row
            {
                Features = l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
            }).ToArray();
            var data = ml.Data.LoadFromEnumerable(rows);
            var viaOnnx = ml.Model.Load("kernel.zip", out _).Transform(data).GetColumn<float>("Score").ToArray();
            using var full = NiceAnomalyDetector.Load(ml, "kernel.zip");
            var viaTorch = full.Transform(data).GetColumn<float>("Score").ToArray();
            string Join(float[] s) => string.Join(" ", s.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            Console.WriteLine("onnx " + Join(viaOnnx));
            Console.WriteLine("torch " + Join(viaTorch));

            public sealed class Row { [VectorType(40)] public float[] Features = Array.Empty<float>(); }
            """);
        var run = ProcessRun.Start("dotnet", new[] { "run", "-c", "Release" }, dir, TimeSpan.FromMinutes(8));
        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var engine in new[] { "onnx", "torch" })
        {
            var scores = run.Stdout.Split('\n').Single(l => l.StartsWith(engine + " ", StringComparison.Ordinal))
                .Trim().Split(' ').Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(expected.Length, scores.Length);
            for (int i = 0; i < expected.Length; i++)
                Approx.Equal(expected[i], scores[i], 1e-3 * Math.Max(1, Math.Abs(expected[i])), $"{engine}, row {i}");
        }
        Assert.True(expected.Skip(36).Min() > expected.Take(36).Max(), "the wider rows score above the training rows");
    }
}
