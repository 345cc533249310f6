using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Nice.MLNet.Tests.Images;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>
/// Issue 17's one zip, in a fresh process: the ResNet-18 feature detector fitted and saved here
/// (<see cref="ImageFeatureFixture"/>) is loaded by a new console app built from the packed package — what a user
/// deploys — with <c>mlContext.Model.Load</c> (ONNX Runtime runs the featurizer and the density model) and with
/// <c>mlContext.Model.LoadNice</c> (batched), and both score the same images as the fitted pipeline did, within 1e-3.
/// </summary>
[Trait("Category", "Slow"), Trait("Category", "Package")]
[Collection(PackedLibraryCollection.Name)]
public sealed class ImageFeatureZipFreshProcessTests : IClassFixture<ImageFeatureFixture>, IDisposable
{
    private readonly PackedLibrary packed;
    private readonly ImageFeatureFixture f;
    private readonly ITestOutputHelper output;
    private readonly string app = Directory.CreateTempSubdirectory("nice-features-zip-").FullName;

    public ImageFeatureZipFreshProcessTests(PackedLibrary packed, ImageFeatureFixture fixture, ITestOutputHelper output)
    {
        this.packed = packed;
        f = fixture;
        this.output = output;
    }

    public void Dispose()
    {
        try { Directory.Delete(app, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void SavedFeatureDetector_ScoresInAFreshApp_WithModelLoadAndLoadNice_LikeTheFittedPipeline()
    {
        ConsumerProject.WriteNuGetConfig(app, packed.Feed);
        File.Copy(f.ZipPath, Path.Combine(app, "detector.zip"));
        File.WriteAllBytes(Path.Combine(app, "images.bin"), f.TestImages.SelectMany(g => g).ToArray());
        File.WriteAllText(Path.Combine(app, "app.csproj"),
            ConsumerProject.Csproj(packed.Version, extraItems: ConsumerProject.ResNet18Reference));
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System;
            using System.Globalization;
            using System.IO;
            using System.Linq;
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using Microsoft.ML.Transforms.Image;
            using Nice.MLNet;
            using Nice.MLNet.Images;

            var ml = new MLContext(1);
            var pixels = File.ReadAllBytes("images.bin");
            var images = Enumerable.Range(0, pixels.Length / 784)
                .Select(i => new ImageRow { Image = NiceImageFeatures.GrayImage(pixels[(i * 784)..((i + 1) * 784)], 28, 28) })
                .ToArray();
            var data = ml.Data.LoadFromEnumerable(images);
            using (var loaded = (TransformerChain<ITransformer>)ml.Model.Load("detector.zip", out _))
                Print("Model.Load", loaded.Transform(data).GetColumn<float>("Score"));
            using (var loaded = (TransformerChain<ITransformer>)ml.Model.LoadNice("detector.zip", out _))
                Print("LoadNice", loaded.Transform(data).GetColumn<float>("Score"));

            static void Print(string name, System.Collections.Generic.IEnumerable<float> scores)
                => Console.WriteLine($"{name} " + string.Join(" ", scores.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));

            public sealed class ImageRow
            {
                [ImageType(28, 28)] public MLImage Image { get; set; } = null!;
            }
            """);
        var run = ProcessRun.Start("dotnet", new[] { "run", "-c", "Release" }, app, TimeSpan.FromMinutes(8));
        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var loader in new[] { "Model.Load", "LoadNice" })
        {
            var scores = run.Floats(loader);
            Assert.Equal(f.Scores.Length, scores.Length);
            double worst = f.Scores.Zip(scores, (a, b) => Math.Abs(a - b)).Max();
            output.WriteLine($"{loader} in a fresh app vs the fitted pipeline over {scores.Length} images: max |Δ| {worst:E2}");
            Assert.True(worst <= 1e-3, $"{loader} in a fresh app: scores differ by up to {worst:E2} nats (issue 17: 1e-3)");
        }
    }
}
