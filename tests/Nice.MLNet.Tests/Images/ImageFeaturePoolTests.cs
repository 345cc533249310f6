using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Images;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.Images;

/// <summary>
/// <c>ImageFeatures(modelFactory)</c>: the 512-d pool of ML.NET's <c>DnnFeaturizeImage</c> with the ResNet-18 model
/// selector, on the images of <see cref="ImageFeatureFixture.LoadImages"/>.
/// </summary>
public sealed class ImageFeaturePoolFixture : ImageFeatureFixture
{
    public ImageFeaturePoolFixture()
        : base(ml => ml.AnomalyDetection.Trainers.ImageFeatures(
            m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn)), "pool-detector") { }
}

public sealed class ImageFeaturePoolTests : IClassFixture<ImageFeaturePoolFixture>
{
    private readonly ImageFeaturePoolFixture f;
    private readonly ITestOutputHelper output;

    public ImageFeaturePoolTests(ImageFeaturePoolFixture fixture, ITestOutputHelper output)
    {
        f = fixture;
        this.output = output;
    }

    [Fact]
    public void AModelFactory_GivesThePoolLayout_FeaturizingEachTrainingImageOnce_AndScoringOtherClassesAboveTrousers()
    {
        Assert.Equal(NiceImageFeatureLayout.GlobalPool, f.Estimator.Layout);
        f.AssertFeaturizedOnce_AndOtherClothesScoreAboveTrousers(output);
        var schema = f.Scored.Schema;
        Assert.Equal(NiceImageFeatures.EmbeddingSize, ((VectorDataViewType)schema["ImageEmbedding"].Type).Size);
        Assert.Equal(NiceImageFeatures.EmbeddingSize, ((VectorDataViewType)schema["Features"].Type).Size);
        var embedding = f.Scored.GetColumn<float[]>("ImageEmbedding").First();
        var features = f.Scored.GetColumn<float[]>("Features").First();
        // The default NiceEmbeddingTransform.SquareRootL2Normalized: √x, then the vector scaled to unit L2 norm.
        double norm = Math.Sqrt(embedding.Sum(v => (double)v));
        for (int i = 0; i < embedding.Length; i++)
            Assert.Equal(Math.Sqrt(embedding[i]) / norm, features[i], 5);
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

    [Fact]
    public void PoolLayoutWithoutAFactory_ReadsThePackagesFiles_AndGivesTheFactorysEmbeddingAndScores()
    {
        using var model = f.Ml.AnomalyDetection.Trainers.ImageFeatures(
            new NiceImageFeatureOptions { Layout = NiceImageFeatureLayout.GlobalPool }).Fit(f.TrainData);
        var scored = model.Transform(f.TestData);
        var embeddings = scored.GetColumn<float[]>("ImageEmbedding").ToArray();
        var factory = f.Scored.GetColumn<float[]>("ImageEmbedding").ToArray();
        var scores = scored.GetColumn<float>("Score").ToArray();
        double embeddingDiff = 0, scoreDiff = 0;
        for (int i = 0; i < embeddings.Length; i++)
        {
            Assert.Equal(NiceImageFeatures.EmbeddingSize, embeddings[i].Length);
            for (int j = 0; j < embeddings[i].Length; j++)
                embeddingDiff = Math.Max(embeddingDiff, Math.Abs(embeddings[i][j] - factory[i][j]));
            scoreDiff = Math.Max(scoreDiff, Math.Abs(scores[i] - f.Scores[i]));
        }
        output.WriteLine($"pool without a factory vs DnnFeaturizeImage over {embeddings.Length} images: embedding "
            + $"max |Δ| {embeddingDiff:E2}, score max |Δ| {scoreDiff:E2} nats");
        Assert.True(embeddingDiff <= 1e-5, $"embeddings differ by {embeddingDiff:E2}");
        Assert.True(scoreDiff <= 1e-3, $"scores differ by {scoreDiff:E2} nats");
    }

    [Fact]
    public void AModelFactory_WithTheGridLayout_IsRefusedNamingTheLayoutAndTheOverloadToUse()
    {
        var ml = f.Ml;
        var e = Assert.Throws<ArgumentException>(() => ml.AnomalyDetection.Trainers.ImageFeatures(
            m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn),
            new NiceImageFeatureOptions { Layout = NiceImageFeatureLayout.Grid }));
        output.WriteLine(e.Message);
        Assert.Contains("Layout is Grid", e.Message);
        Assert.Contains("ImageFeatures(options) without a model factory", e.Message);
    }
}
