using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Cli.Datasets;
using Nice.MLNet.Cli.Metrics;
using Nice.MLNet.Images;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.Images;

/// <summary>
/// The image-feature detector with the real ResNet-18 featurizer on a few dozen Fashion-MNIST images: 40 trousers
/// (normal) train it once for every test of this class; 10 other trousers and 10 images of other classes are scored.
/// </summary>
public class ImageFeatureFixture : IDisposable
{
    public const int TrainCount = 40, TestNormal = 10, TestOther = 10;

    public ImageFeatureFixture() : this(null, "detector") { }

    /// <summary>Fits <c>ImageFeatures</c> with <paramref name="options"/> (null = the defaults) on the training
    /// images, scores the test images and saves the model as <paramref name="name"/>.zip.</summary>
    protected ImageFeatureFixture(NiceImageFeatureOptions? options, string name)
    {
        Folder = Directory.CreateTempSubdirectory("nice-image-features-").FullName;
        (TrainImages, TestImages, TestLabels) = LoadImages();

        var trainData = Ml.Data.LoadFromEnumerable(Counted(TrainImages.Select(g => new ImageRow { Image = Image(g) })));
        Model = Ml.AnomalyDetection.Trainers.ImageFeatures(
            m => m.ModelSelector.ResNet18(Ml, m.OutputColumn, m.InputColumn), options).Fit(trainData);
        RowsReadByFit = rowsRead;
        TestData = Ml.Data.LoadFromEnumerable(TestImages.Select((g, i) => new ImageRow { Image = Image(g), Label = TestLabels[i] }));
        Scored = Model.Transform(TestData);
        Scores = Scored.GetColumn<float>("Score").ToArray();
        ZipPath = Path.Combine(Folder, name + ".zip");
        Ml.Model.Save(Model, trainData.Schema, ZipPath);
    }

    public MLContext Ml { get; } = new(seed: 1);
    public string Folder { get; }
    public byte[][] TrainImages { get; }
    public byte[][] TestImages { get; }
    public float[] TestLabels { get; }
    public TransformerChain<ITransformer> Model { get; }
    public IDataView TestData { get; }
    public IDataView Scored { get; }
    public float[] Scores { get; }
    public string ZipPath { get; }
    public int RowsReadByFit { get; }
    private int rowsRead;

    public sealed class ImageRow
    {
        [ImageType(28, 28)] public MLImage Image { get; set; } = null!;
        public float Label { get; set; }
    }

    public static MLImage Image(byte[] gray) => NiceImageFeatures.GrayImage(gray, 28, 28);

    /// <summary>Counts the rows ML.NET reads from the training images, over every cursor it opens.</summary>
    private IEnumerable<ImageRow> Counted(IEnumerable<ImageRow> rows)
    {
        foreach (var row in rows)
        {
            rowsRead++;
            yield return row;
        }
    }

    /// <summary>The fixture's images: 40 training trousers; 10 test trousers then 10 other test garments, labelled 0 / 1.</summary>
    public static (byte[][] Train, byte[][] Test, float[] TestLabels) LoadImages()
    {
        var train = Idx.LoadSplit(Idx.FashionMnistFolder, "train", 2000);
        var test = Idx.LoadSplit(Idx.FashionMnistFolder, "t10k", 200);
        var normal = Pick(test.Pixels, test.Labels, l => l == 1, TestNormal);
        var other = Pick(test.Pixels, test.Labels, l => l != 1, TestOther);
        return (Pick(train.Pixels, train.Labels, l => l == 1, TrainCount), normal.Concat(other).ToArray(),
            Enumerable.Repeat(0f, TestNormal).Concat(Enumerable.Repeat(1f, TestOther)).ToArray());
    }

    private static byte[][] Pick(float[] pixels, byte[] labels, Func<byte, bool> keep, int count)
        => Enumerable.Range(0, labels.Length).Where(i => keep(labels[i])).Take(count)
            .Select(i => pixels.AsSpan(i * 784, 784).ToArray().Select(v => (byte)v).ToArray()).ToArray();

    /// <summary>
    /// Issue 17's one zip: the saved model, loaded by <c>Model.Load</c> (in a fresh MLContext; ONNX Runtime runs the
    /// featurizer and the density model) and by <c>LoadNice</c> (the batched detector), scores the test images as the
    /// fitted pipeline did: within 1e-3 nats, and within 1e-5 relative to max(|score|, D) — a float32 score of D
    /// dimensions sums D terms, and the relative check catches a wrong term that a large score could hide. Model.Load
    /// also gives the same PredictedLabel.
    /// </summary>
    public void AssertReloadedZipScoresLikeTheFittedPipeline(int dimension, ITestOutputHelper output)
    {
        using var loaded = (TransformerChain<ITransformer>)new MLContext().Model.Load(ZipPath, out _);
        var ort = loaded.Transform(TestData).GetColumn<float>("Score").ToArray();
        using var nice = (TransformerChain<ITransformer>)Ml.Model.LoadNice(ZipPath, out _);
        Assert.Contains(((IEnumerable<ITransformer>)nice).SelectMany(Flatten), t => t is NiceAnomalyDetector);
        var batched = nice.Transform(TestData).GetColumn<float>("Score").ToArray();
        foreach (var (name, other) in new[] { ("Model.Load", ort), ("LoadNice", batched) })
        {
            double absolute = 0, relative = 0;
            for (int i = 0; i < Scores.Length; i++)
            {
                absolute = Math.Max(absolute, Math.Abs(other[i] - Scores[i]));
                relative = Math.Max(relative, Math.Abs(other[i] - Scores[i]) / Math.Max(Math.Abs(Scores[i]), dimension));
            }
            output.WriteLine($"zip {new FileInfo(ZipPath).Length / 1e6:F1} MB; scores {Scores.Min():F1}…"
                + $"{Scores.Max():F1} nats; {name} vs fitted over {Scores.Length} images: max |Δ| {absolute:E2}, "
                + $"max |Δ| / max(|score|, {dimension}) {relative:E2}");
            Assert.True(absolute <= 1e-3, $"{name}: scores differ by up to {absolute:E2} nats (issue 17: 1e-3)");
            Assert.True(relative <= 1e-5, $"{name}: scores differ by up to {relative:E2} (relative)");
        }
        Assert.Equal(
            Scored.GetColumn<bool>("PredictedLabel").ToArray(),
            loaded.Transform(TestData).GetColumn<bool>("PredictedLabel").ToArray());
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer t)
        => t is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : new[] { t };

    public void Dispose()
    {
        Model.Dispose();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

public sealed class ImageFeatureTests : IClassFixture<ImageFeatureFixture>
{
    private readonly ImageFeatureFixture f;
    private readonly ITestOutputHelper output;

    public ImageFeatureTests(ImageFeatureFixture fixture, ITestOutputHelper output)
    {
        f = fixture;
        this.output = output;
    }

    [Fact]
    public void Fit_FeaturizesEachTrainingImageOnce_AndScoresOtherClassesAboveTrousers()
    {
        Assert.Equal(ImageFeatureFixture.TrainCount, f.RowsReadByFit);
        var normal = f.Scores.Take(ImageFeatureFixture.TestNormal).ToArray();
        var other = f.Scores.Skip(ImageFeatureFixture.TestNormal).ToArray();
        double auc = AnomalyRanking.Evaluate(f.Ml, normal, other).AreaUnderRocCurve;
        output.WriteLine($"AUROC on {normal.Length} trousers vs {other.Length} others: {auc:F3}");
        Assert.True(auc >= 0.9, $"AUROC {auc:F3}: a Gaussian on ResNet-18 features should tell trousers from other clothes");
        var schema = f.Scored.Schema;
        Assert.Equal(NiceImageFeatures.EmbeddingSize, ((VectorDataViewType)schema["ImageEmbedding"].Type).Size);
        Assert.Equal(NiceImageFeatures.EmbeddingSize, ((VectorDataViewType)schema["Features"].Type).Size);
        var embedding = f.Scored.GetColumn<float[]>("ImageEmbedding").First();
        var features = f.Scored.GetColumn<float[]>("Features").First();
        // The default NiceEmbeddingTransform.SquareRootL2Normalized: √x, then the vector scaled to unit L2 norm.
        double norm = Math.Sqrt(embedding.Sum(v => (double)v));
        for (int i = 0; i < embedding.Length; i++)
            Assert.Equal(Math.Sqrt(embedding[i]) / norm, features[i], 5);
        Assert.DoesNotContain(schema, c => c.Name.EndsWith(".Pixels", StringComparison.Ordinal));
    }

    [Fact]
    public void GrayImages_GiveThreeEqualPlanes_AndTheSameEmbeddingInMemoryAsFromGrayPngFiles()
    {
        var ml = f.Ml;
        var images = f.TestImages.Take(3).ToArray();
        var paths = new List<string>();
        for (int i = 0; i < images.Length; i++)
        {
            string path = Path.Combine(f.Folder, $"gray{i}.png");
            WriteGrayPng(path, images[i], 28, 28);
            paths.Add(Path.GetFileName(path));
        }
        var memory = ml.Data.LoadFromEnumerable(images.Select(g => new ImageFeatureFixture.ImageRow { Image = ImageFeatureFixture.Image(g) }));
        var planes = ml.Transforms.ExtractPixels("Pixels", "Image").Fit(memory).Transform(memory).GetColumn<float[]>("Pixels").First();
        Assert.Equal(3 * 784, planes.Length);
        Assert.Equal(planes.Take(784), planes.Skip(784).Take(784));
        Assert.Equal(planes.Take(784), planes.Skip(1568));
        Assert.Equal(images[0].Select(b => (float)b), planes.Take(784));

        var featurizer = NiceImageFeatures.Featurizer(ml, m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn));
        var fromMemory = featurizer.Fit(memory).Transform(memory).GetColumn<float[]>("ImageEmbedding").ToArray();
        var files = ml.Data.LoadFromEnumerable(paths.Select(p => new PathRow { Path = p }));
        var fromFiles = ml.Transforms.LoadImages("Image", f.Folder, "Path").Append(featurizer).Fit(files).Transform(files)
            .GetColumn<float[]>("ImageEmbedding").ToArray();
        for (int i = 0; i < images.Length; i++) Assert.Equal(fromMemory[i], fromFiles[i]);
        Assert.True(fromMemory[0].Max() > 0.1f && fromMemory[0].Min() >= 0, "ResNet-18's pool features are non-negative, not all zero");
    }

    /// <summary>A one-channel (Gray8) PNG file, as a scanner or MNIST export would write it.</summary>
    private static void WriteGrayPng(string path, byte[] gray, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        Assert.Equal(width, bitmap.RowBytes);
        System.Runtime.InteropServices.Marshal.Copy(gray, 0, bitmap.GetPixels(), gray.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    public sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    [Fact]
    public void TheWholePipeline_SavesAsOneZip_AndLoadsWithModelLoadAndLoadNice_WithTheSameScores()
        => f.AssertReloadedZipScoresLikeTheFittedPipeline(NiceImageFeatures.EmbeddingSize, output);

    [Fact]
    public void MissingModelFiles_FailWithTheFolderAndThePackageNamed()
    {
        var ml = f.Ml;
        string nowhere = Path.Combine(f.Folder, "no-models-here");
        var e = Assert.Throws<FileNotFoundException>(() => ml.AnomalyDetection.Trainers.ImageFeatures(
            m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn, nowhere)));
        output.WriteLine(e.Message);
        Assert.Contains(NiceImageFeatures.ResNet18Package, e.Message);
        Assert.Contains("no-models-here", e.Message);
    }
}
