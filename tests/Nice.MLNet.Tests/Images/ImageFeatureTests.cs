using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Images;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.Images;

/// <summary>
/// The defaults of <c>mlContext.AnomalyDetection.Trainers.ImageFeatures()</c> (no model factory, no options): the
/// <see cref="NiceImageFeatureLayout.Grid"/> features from the real ResNet-18 files and the radial flow
/// (<see cref="NiceImageFeatureOptions.RadialDetector"/>), on the images of
/// <see cref="ImageFeatureFixture.LoadImages"/> (40 trousers to train, 10 trousers and 10 other clothes to score).
/// </summary>
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
    public void Defaults_AreTheGridLayout_Giving6656Features_WhosePoolBlockIsDnnFeaturizeImagesEmbedding_AndEachBlockHasUnitLength()
    {
        Assert.Equal(NiceImageFeatureLayout.Grid, f.Estimator.Layout);
        var schema = f.Scored.Schema;
        // layer2 4 × 4 × 128, layer3 4 × 4 × 256 (overlapping 5 × 5 cells), the pool: 2,048 | 4,096 | 512.
        var sizes = NiceImageFeatures.GridBlockSizes.ToArray();
        Assert.Equal(new[] { 2048, 4096, 512 }, sizes);
        Assert.Equal(6656, NiceImageFeatures.GridEmbeddingSize);
        Assert.Equal(NiceImageFeatures.GridEmbeddingSize, ((VectorDataViewType)schema["ImageEmbedding"].Type).Size);
        Assert.Equal(NiceImageFeatures.GridEmbeddingSize, ((VectorDataViewType)schema["Features"].Type).Size);
        Assert.DoesNotContain(schema, c => c.Name.StartsWith("ImageEmbedding.", StringComparison.Ordinal));
        var embeddings = f.Scored.GetColumn<float[]>("ImageEmbedding").ToArray();
        var features = f.Scored.GetColumn<float[]>("Features").ToArray();

        // The patched graph is the same network: its pool block equals ML.NET's DnnFeaturizeImage on the same images.
        var ml = f.Ml;
        var pool = NiceImageFeatures.Featurizer(ml, m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn))
            .Fit(f.TestData).Transform(f.TestData).GetColumn<float[]>("ImageEmbedding").ToArray();
        double worst = 0;
        for (int i = 0; i < pool.Length; i++)
            for (int j = 0; j < 512; j++) worst = Math.Max(worst, Math.Abs(embeddings[i][sizes[0] + sizes[1] + j] - pool[i][j]));
        output.WriteLine($"pool block vs DnnFeaturizeImage over {pool.Length} images: max |Δ| {worst:E2}");
        Assert.True(worst <= 1e-5, $"the grid featurizer's pool block differs from DnnFeaturizeImage by {worst:E2}");

        // SquareRootL2Normalized per block: √x, then each block scaled to unit length.
        foreach (var (start, length) in new[] { (0, sizes[0]), (sizes[0], sizes[1]), (sizes[0] + sizes[1], sizes[2]) })
        {
            var block = embeddings[0].AsSpan(start, length).ToArray();
            double norm = Math.Sqrt(block.Sum(v => (double)Math.Max(v, 0)));
            for (int j = 0; j < length; j++)
                Assert.Equal(Math.Sqrt(Math.Max(block[j], 0)) / norm, features[0][start + j], 5);
        }
        Assert.True(embeddings.All(e => e.Min() >= 0) && embeddings[0].Take(2048).Max() > 0.01f,
            "cell means of ReLU outputs: non-negative, not all zero");
    }

    [Fact]
    public void Defaults_FitTheRadialFlow_WhichTrainsOnTheImagesFromItsGaussianStart()
    {
        // Issue 17: the default detector is the model best across the benchmark, the radial flow (README).
        var defaults = new NiceImageFeatureOptions().Detector.Nice;
        Assert.True(defaults.RadialFlow);
        Assert.Equal(NiceImageFeatureOptions.RadialDetector().Nice.Couplings, defaults.Couplings);
        var detector = ImageFeatureFixture.Flatten(f.Model).OfType<NiceAnomalyDetector>().Single();
        var history = detector.Model.TrainingSummary!.History;
        output.WriteLine(string.Join(Environment.NewLine, history));
        Assert.Equal(0, history[0].Epoch);
        Assert.Contains(history, r => r.Epoch >= 1 && r.ValidNll is double v && double.IsFinite(v));
    }

    [Fact]
    public void Defaults_FeaturizeEachTrainingImageOnce_AndScoreOtherClothesAboveTrousers()
        => f.AssertFeaturizedOnce_AndOtherClothesScoreAboveTrousers(output);

    [Fact]
    public void TheWholePipeline_SavesAsOneZip_AndLoadsWithModelLoadAndLoadNice_WithTheSameScores()
        => f.AssertReloadedZipScoresLikeTheFittedPipeline(NiceImageFeatures.GridEmbeddingSize, output);

    [Fact]
    public void Fit_FeaturizesInBatches_LikeThePlainPipelineRowByRow()
    {
        // The same detector composed by hand from the public steps: the featurizer runs one image per ONNX Runtime
        // call, through ML.NET's cache checkpoint. ImageFeatures().Fit ran the same graphs 16 images a call.
        var ml = f.Ml;
        using var plain = NiceImageFeatures.GridFeaturizer(ml)
            .AppendCacheCheckpoint(ml)
            .Append(NiceImageFeatures.GridEmbeddingTransform(ml, NiceEmbeddingTransform.SquareRootL2Normalized))
            .Append(ml.AnomalyDetection.Trainers.Nice(new NiceImageFeatureOptions().Detector))
            .Fit(f.TrainData);
        var scores = plain.Transform(f.TestData).GetColumn<float>("Score").ToArray();
        double worst = f.Scores.Zip(scores, (a, b) => Math.Abs(a - (double)b)).Max();
        output.WriteLine($"batched fit vs row-by-row fit, scores of {scores.Length} images: max |Δ| {worst:E2} nats");
        Assert.True(worst <= 1e-3, $"the batched fit scores differ from the row-by-row fit's by {worst:E2} nats");
    }

    [Fact]
    public void OneEstimator_FittedTwice_GivesModelsThatOutliveEachOther()
    {
        // Refitting one estimator (a loop over folds, a retrain) and disposing the older model must not break the
        // newer one: each fit has its own ONNX Runtime sessions.
        var estimator = f.Ml.AnomalyDetection.Trainers.ImageFeatures();
        var first = estimator.Fit(f.TrainData);
        using var second = estimator.Fit(f.TrainData);
        first.Dispose();
        var scores = second.Transform(f.TestData).GetColumn<float>("Score").ToArray();
        Assert.Equal(f.Scores, scores);
    }

    [Fact]
    public void GridFeaturizer_FittedTwice_GivesTheSameEmbeddings()
    {
        var ml = new MLContext(seed: 1);
        var images = ml.Data.LoadFromEnumerable(f.TestImages.Take(2).Select(g => new ImageFeatureFixture.ImageRow { Image = ImageFeatureFixture.Image(g) }));
        var estimator = NiceImageFeatures.GridFeaturizer(ml);
        var first = estimator.Fit(images).Transform(images).GetColumn<float[]>("ImageEmbedding").ToArray();
        var second = estimator.Fit(images).Transform(images).GetColumn<float[]>("ImageEmbedding").ToArray();
        Assert.Equal(first, second);
    }

    [Fact]
    public void GridTaps_RefuseAModelWithoutTheTappedTensors_NamingThePackage()
    {
        // The package's preprocessing graph is a valid ONNX model without ResNet-18's layers.
        var other = File.ReadAllBytes(Path.Combine(NiceImageFeatures.ModelDirectory, "ResNetPrepOnnx", "ResNetPreprocess.onnx"));
        var e = Assert.Throws<InvalidDataException>(() => ResNetGridTaps.AddGridOutputs(other));
        output.WriteLine(e.Message);
        Assert.Contains("ReLU315_Output_0", e.Message);
        Assert.Contains(NiceImageFeatures.ResNet18Package, e.Message);
        Assert.Throws<InvalidDataException>(() => ResNetGridTaps.AddGridOutputs(new byte[] { 0x08, 0x07 }));   // no graph
    }
}
