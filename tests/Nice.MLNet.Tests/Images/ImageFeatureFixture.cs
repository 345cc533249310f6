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
/// The image-feature detector with the real ResNet-18 files on a few dozen Fashion-MNIST images: 40 trousers
/// (normal) train it once for every test of a class; 10 other trousers and 10 images of other classes are scored.
/// This fixture is the defaults, <c>mlContext.AnomalyDetection.Trainers.ImageFeatures()</c> (the grid layout).
/// </summary>
public class ImageFeatureFixture : IDisposable
{
    public const int TrainCount = 40, TestNormal = 10, TestOther = 10;

    public ImageFeatureFixture() : this(ml => ml.AnomalyDetection.Trainers.ImageFeatures(), "detector") { }

    /// <summary>Fits the estimator <paramref name="create"/> makes on the training images, scores the test images
    /// and saves the model as <paramref name="name"/>.zip.</summary>
    protected ImageFeatureFixture(Func<MLContext, NiceImageFeatureEstimator> create, string name)
    {
        Folder = Directory.CreateTempSubdirectory("nice-image-features-").FullName;
        (TrainImages, TestImages, TestLabels) = LoadImages();

        TrainData = Ml.Data.LoadFromEnumerable(Counted(TrainImages.Select(g => new ImageRow { Image = Image(g) })));
        Estimator = create(Ml);
        Model = Estimator.Fit(TrainData);
        RowsReadByFit = rowsRead;
        TestData = Ml.Data.LoadFromEnumerable(TestImages.Select((g, i) => new ImageRow { Image = Image(g), Label = TestLabels[i] }));
        Scored = Model.Transform(TestData);
        Scores = Scored.GetColumn<float>("Score").ToArray();
        ZipPath = Path.Combine(Folder, name + ".zip");
        Ml.Model.Save(Model, TrainData.Schema, ZipPath);
    }

    public MLContext Ml { get; } = new(seed: 1);
    public string Folder { get; }
    public byte[][] TrainImages { get; }
    public byte[][] TestImages { get; }
    public float[] TestLabels { get; }
    public IDataView TrainData { get; }
    public NiceImageFeatureEstimator Estimator { get; }
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

    /// <summary>
    /// Fit read each training image once (the embeddings are cached for the detector's passes), and the other clothes
    /// score above the trousers: AUROC ≥ 0.9 over the 20 test images. No ".Pixels" column is left in the output.
    /// </summary>
    public void AssertFeaturizedOnce_AndOtherClothesScoreAboveTrousers(ITestOutputHelper output)
    {
        Assert.Equal(TrainCount, RowsReadByFit);
        var normal = Scores.Take(TestNormal).ToArray();
        var other = Scores.Skip(TestNormal).ToArray();
        double auc = AnomalyRanking.Evaluate(Ml, normal, other).AreaUnderRocCurve;
        output.WriteLine($"{Estimator.Layout}: AUROC on {normal.Length} trousers vs {other.Length} others: {auc:F3}");
        Assert.True(auc >= 0.9,
            $"AUROC {auc:F3}: a density model on ResNet-18 features should tell trousers from other clothes");
        Assert.DoesNotContain(Scored.Schema, c => c.Name.EndsWith(".Pixels", StringComparison.Ordinal));
    }

    /// <summary>Every transformer of a chain, nested chains opened.</summary>
    public static IEnumerable<ITransformer> Flatten(ITransformer t)
        => t is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : new[] { t };

    public void Dispose()
    {
        Model.Dispose();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

