using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Cli.Metrics;
using Nice.MLNet.Cli.Datasets;
using Xunit;

namespace Nice.MLNet.Tests.Anomaly;

public class AnomalyBenchPartsTests
{
    /// <summary>The one AUC every command reports (ML.NET's evaluator) on scores whose ranks are known by hand.</summary>
    [Fact]
    public void AnomalyRanking_OnHandMadeScores_GivesTheRankAuc()
    {
        var ml = new MLContext(1);
        double Auc(float[] normal, float[] anomalies) => AnomalyRanking.Evaluate(ml, normal, anomalies).AreaUnderRocCurve;

        Assert.Equal(1.0, Auc(new[] { 0f, 1f }, new[] { 2f, 3f }), 6);
        Assert.Equal(0.0, Auc(new[] { 2f, 3f }, new[] { 0f, 1f }), 6);
        Assert.Equal(0.5, Auc(new[] { 1f, 1f }, new[] { 1f }), 6);          // a tie counts 1/2
        Assert.Equal(0.75, Auc(new[] { 0f, 2f }, new[] { 1f, 3f }), 6);     // 3 of the 4 pairs in order
    }

    [Fact]
    public void AnomalyRanking_DetectionRate_CountsAnomaliesAboveTheKthHighestNormalScore()
    {
        var ml = new MLContext(1);
        var normal = Enumerable.Range(0, 20).Select(i => (float)i).ToArray();   // the 10th highest is 10

        var metrics = AnomalyRanking.Evaluate(ml, normal, new[] { 10.5f, 30f, 3f, 9.5f }, falsePositiveCount: 10);

        Assert.Equal(0.5, metrics.DetectionRateAtFalsePositiveCount, 6);
    }

    [Fact]
    public void AnomalyRanking_WithoutAnomalies_SaysWhatIsMissing()
    {
        var e = Assert.Throws<ArgumentException>(() => AnomalyRanking.Evaluate(new MLContext(1), new[] { 1f }, Array.Empty<float>()));
        Assert.Contains("got 1 and 0", e.Message);
    }

    [Fact]
    public void Idx_ReadsImagesAndLabels_AndErrorsNameTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("idx").FullName;
        try
        {
            string images = Path.Combine(dir, "images-idx3-ubyte.gz");
            Write(images, new byte[] { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 });
            var read = Idx.ReadImages(images);
            Assert.Equal((2, 2, 3), (read.Count, read.Height, read.Width));
            Assert.Equal(Enumerable.Range(1, 12).Select(i => (byte)i), read.Pixels);

            string labels = Path.Combine(dir, "labels-idx1-ubyte.gz");
            Write(labels, new byte[] { 0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9 });
            Assert.Equal(new byte[] { 7, 8, 9 }, Idx.ReadLabels(labels));

            var wrongKind = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(labels));
            Assert.Contains(labels, wrongKind.Message);
            string truncated = Path.Combine(dir, "short-idx1-ubyte.gz");
            Write(truncated, new byte[] { 0, 0, 8, 1, 0, 0, 0, 5, 1, 2 });
            var shortFile = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(truncated));
            Assert.Contains(truncated, shortFile.Message);
            string missing = Path.Combine(dir, "none.gz");
            Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => Idx.ReadLabels(missing)).Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void DigitsHoldOut_TrainsOnOtherDigits_AndLabelsTheHeldOutDigitAsAnomaly()
    {
        var (pixels, labels) = Digits.Load();
        var split = AnomalySplit.DigitsHoldOut(pixels, labels, 9);
        int nines = labels.Count(l => l == 9), others = labels.Length - nines;
        Assert.Equal(nines, (int)split.TestLabels.Sum());
        Assert.Equal(others, split.Train.Length + split.TestLabels.Count(l => l == 0));
        Assert.InRange(split.Train.Length, others * 0.74, others * 0.76);
    }

    private static void Write(string path, byte[] content)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(content);
    }

    [Fact]
    public void TrapSplit_DrawsEachDigitPixelAsA3x3BlockInACentred24x24Square()
    {
        var digit = new float[Digits.Dimension];
        digit[2 * 8 + 5] = Digits.Levels - 1;   // row 2, column 5: full ink
        digit[7 * 8 + 0] = 8;                   // row 7, column 0: half ink
        var image = AnomalySplit.DigitAs28x28(digit);
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
            {
                float expected = y is >= 8 and < 11 && x is >= 17 and < 20 ? 255 : y is >= 23 and < 26 && x is >= 2 and < 5 ? 128 : 0;
                Assert.True(expected == image[y * 28 + x], $"pixel ({y},{x}) is {image[y * 28 + x]}, expected {expected}");
            }

        var fashion = Enumerable.Range(0, 30).Select(i => Enumerable.Repeat((float)i, 784).ToArray()).ToArray();
        var split = AnomalySplit.FashionVsDigits(fashion, fashion, trainRows: 20, testRows: 25, digitPixels: digit.Concat(digit).ToArray());
        Assert.Equal(20, split.Train.Length);
        Assert.Equal(27, split.Test.Length);
        Assert.Equal(Enumerable.Repeat(0f, 25).Concat(new[] { 1f, 1f }), split.TestLabels);
        Assert.Equal(image, split.Test[^1]);
    }

    [Fact]
    public void CancerSplit_TrainsOnTwoThirdsOfBenign_TestsOnTheRestAndAllMalignant_Standardized()
    {
        var (rows, malignant) = BreastCancer.Load();
        Assert.Equal(569, rows.Length);
        Assert.Equal(212, malignant.Count(m => m));
        var a = AnomalySplit.CancerSplit(rows, malignant, seed: 3);
        var b = AnomalySplit.CancerSplit(rows, malignant, seed: 4);
        Assert.Equal(238, a.Train.Length);
        Assert.Equal(119 + 212, a.Test.Length);
        Assert.Equal(212, a.TestLabels.Count(l => l == 1));
        Assert.Equal(119, a.TestLabels.Count(l => l == 0));
        for (int j = 0; j < BreastCancer.Dimension; j++)
        {
            double mean = a.Train.Average(r => (double)r[j]);
            double sd = Math.Sqrt(a.Train.Average(r => (r[j] - mean) * (r[j] - mean)));
            Assert.InRange(mean, -1e-4, 1e-4);
            Assert.InRange(sd, 0.999, 1.001);
        }
        // No training row is a test row (compare the standardized rows as text), and the seed changes the split.
        var train = a.Train.Select(r => string.Join(",", r)).ToHashSet();
        Assert.DoesNotContain(a.Test, r => train.Contains(string.Join(",", r)));
        Assert.NotEqual(a.Train[0], b.Train[0]);
    }
}
