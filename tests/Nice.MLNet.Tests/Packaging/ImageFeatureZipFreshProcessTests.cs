using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Nice.MLNet.Tests.Images;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>
/// Issue 17's one zip, in a fresh process (<see cref="ImageScoringApp"/>: a new console app built from the packed
/// package, what a user deploys): the ResNet-18 feature detectors fitted and saved here, the defaults (grid layout,
/// <see cref="ImageFeatureFixture"/>) and a model factory's pool (<see cref="ImageFeaturePoolFixture"/>), load with
/// <c>mlContext.Model.Load</c> (ONNX Runtime runs the featurizer and the density model) and with <c>LoadNice</c>
/// (batched), and both score the same images as the fitted pipeline did, within 1e-3. The grid app also runs with a
/// temp directory of its own (<c>TMPDIR</c>) and checks that fitting, saving and loading models leaves nothing there
/// once the models are disposed, except the one patched ResNet-18 that every grid fit shares: ML.NET copies an ONNX
/// graph given as a stream to a temp file that it never deletes, and before this was handled each save of a
/// paper-size NICE model left 77 MB behind.
/// </summary>
[Trait("Category", "Slow"), Trait("Category", "Package")]
[Collection(PackedLibraryCollection.Name)]
public sealed class ImageFeatureZipFreshProcessTests
    : IClassFixture<ImageFeaturePoolFixture>, IClassFixture<ImageFeatureFixture>, IDisposable
{
    private readonly PackedLibrary packed;
    private readonly ImageFeaturePoolFixture pool;
    private readonly ImageFeatureFixture grid;
    private readonly ITestOutputHelper output;
    private readonly List<string> apps = new();

    public ImageFeatureZipFreshProcessTests(PackedLibrary packed, ImageFeaturePoolFixture pool,
        ImageFeatureFixture grid, ITestOutputHelper output)
    {
        this.packed = packed;
        this.pool = pool;
        this.grid = grid;
        this.output = output;
    }

    public void Dispose()
    {
        foreach (var app in apps)
            try { Directory.Delete(app, recursive: true); } catch (IOException) { }
    }

    private string NewApp()
    {
        apps.Add(Directory.CreateTempSubdirectory("nice-features-app-").FullName);
        return apps[^1];
    }

    [Fact]
    public void SavedFeatureDetector_ScoresInAFreshApp_WithModelLoadAndLoadNice_LikeTheFittedPipeline()
    {
        string app = NewApp();
        ImageScoringApp.Write(app, packed, pool.ZipPath, pool.TestImages);
        var run = ImageScoringApp.BuildAndRun(app);
        ImageScoringApp.AssertScoresLikeTheFittedPipeline(run, pool.Scores, "pool zip", output);
    }

    [Fact]
    public void GridZip_ScoresInAFreshApp_AndFitSaveLoadLeaveOnlyTheSharedGridNetworkInTheTempDirectory()
    {
        string app = NewApp();
        ImageScoringApp.Write(app, packed, grid.ZipPath, grid.TestImages, Statements, Types);
        string temp = Directory.CreateDirectory(Path.Combine(app, "tmp")).FullName;
        var run = ImageScoringApp.BuildAndRun(app, new Dictionary<string, string> { ["TMPDIR"] = temp + "/" });
        ImageScoringApp.AssertScoresLikeTheFittedPipeline(run, grid.Scores, "grid zip", output);

        string left = run.Line("left-in-temp");
        output.WriteLine($"files left in the app's temp directory: {left}");
        // ".ses" is ONNX Runtime's telemetry session id (51 bytes, one fixed name per temp directory, rewritten).
        var files = left.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Where(n => n != ".ses").ToArray();
        Assert.True(files.Length == 1 && files[0].StartsWith("Nice.MLNet/ResNet18-grid-", StringComparison.Ordinal)
            && files[0].EndsWith(".onnx", StringComparison.Ordinal),
            $"expected only the shared grid network Nice.MLNet/ResNet18-grid-*.onnx in the temp directory, found: {left}");
    }

    /// <summary>After the app has scored the grid zip: fit the default (grid) detector twice (both fits share one
    /// patched network) and save it; fit, save, Model.Load and LoadNice a NICE transform and a NICE detector on a table.
    /// Everything is disposed.</summary>
    private const string Statements = """
        for (int i = 0; i < 2; i++)
        {
            using var grid = ml.AnomalyDetection.Trainers.ImageFeatures().Fit(data);
            if (i == 0) ml.Model.Save(grid, data.Schema, "fitted.zip");
        }

        var rng = new Random(1);
        var table = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 300).Select(_ => new TableRow
        {
            Features = Enumerable.Range(0, 4).Select(_ => (float)rng.NextDouble()).ToArray(),
        }).ToArray());
        var options = new NiceOptions { HiddenLayers = 2, HiddenWidth = 32, Epochs = 3 };
        using (var nice = ml.Transforms.Nice(options).Fit(table))
            ml.Model.Save(nice, table.Schema, "nice.zip");
        using (var detector = ml.AnomalyDetection.Trainers.Nice(new NiceAnomalyOptions { Nice = options }).Fit(table))
            ml.Model.Save(detector, table.Schema, "detector.zip");
        foreach (var zip in new[] { "nice.zip", "detector.zip" })
        {
            using (var loaded = (IDisposable)ml.Model.Load(zip, out _))
                ((ITransformer)loaded).Transform(table).Preview();
            using (var loaded = (IDisposable)ml.Model.LoadNice(zip, out _))
                ((ITransformer)loaded).Transform(table).Preview();
        }
        """;

    private const string Types = """
        public sealed class TableRow
        {
            [VectorType(4)] public float[] Features { get; set; } = Array.Empty<float>();
        }
        """;
}
