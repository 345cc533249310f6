using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Cli.Datasets;

namespace Nice.MLNet.Cli.Bench;

/// <summary>One anomaly-detection task: training rows (all normal) and test rows with Label 1 = anomaly, 0 =
/// normal.</summary>
public sealed record AnomalySplit(string Name, float[][] Train, float[][] Test, float[] TestLabels)
{
    public int Dimension => Train[0].Length;

    /// <summary>Rows as an IDataView: "Features" (known-size vector of Single) and "Label" (Single, as ML.NET's anomaly
    /// evaluator wants).</summary>
    public static IDataView View(MLContext ml, float[][] rows, float[]? labels = null)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Length);
        return ml.Data.LoadFromEnumerable(rows.Select((r, i) => new Row { Features = r, Label = labels?[i] ?? 0 }),
            definition);
    }

    private sealed class Row
    {
        public float[] Features = Array.Empty<float>();
        public float Label;
    }

    public const string FashionDirectory = "/usr/share/datasets/fashion-mnist";

    public static readonly string[] FashionClasses =
        { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };

    /// <summary>The Fashion-MNIST files (pixels 0..255 as floats) and labels.</summary>
    public static (float[][] Train, byte[] TrainLabels, float[][] Test, byte[] TestLabels) LoadFashion(string directory)
    {
        string F(string name) => System.IO.Path.Combine(directory, name);
        var trainImages = Idx.ReadImages(F("train-images-idx3-ubyte.gz"));
        var trainLabels = Idx.ReadLabels(F("train-labels-idx1-ubyte.gz"));
        var testImages = Idx.ReadImages(F("t10k-images-idx3-ubyte.gz"));
        var testLabels = Idx.ReadLabels(F("t10k-labels-idx1-ubyte.gz"));
        if (trainImages.Count != trainLabels.Length || testImages.Count != testLabels.Length)
            throw new System.IO.InvalidDataException($"{directory}: image and label counts differ "
                + $"({trainImages.Count}/{trainLabels.Length}, {testImages.Count}/{testLabels.Length}).");
        return (Rows(trainImages), trainLabels, Rows(testImages), testLabels);
    }

    private static float[][] Rows(Idx.Images images)
    {
        int d = images.Dimension;
        return Enumerable.Range(0, images.Count)
            .Select(i => images.Pixels.AsSpan(i * d, d).ToArray().Select(b => (float)b).ToArray()).ToArray();
    }

    /// <summary>
    /// The one-class protocol: train on the first <paramref name="trainRows"/> training images of class <paramref
    /// name="normalClass"/>; test on the first <paramref name="testRows"/> test images, those of the other nine classes
    /// being the anomalies.
    /// </summary>
    public static AnomalySplit FashionOneClass(float[][] train, byte[] trainLabels, float[][] test, byte[] testLabels,
        int normalClass, int trainRows, int testRows)
    {
        var t = Enumerable.Range(0, train.Length).Where(i => trainLabels[i] == normalClass).Take(trainRows).Select(i =>
            train[i]).ToArray();
        int n = Math.Min(testRows, test.Length);
        return new AnomalySplit($"{normalClass} {FashionClasses[normalClass]}", t, test.Take(n).ToArray(),
            testLabels.Take(n).Select(l => l == normalClass ? 0f : 1f).ToArray());
    }

    /// <summary>
    /// Leave-one-digit-out on the committed 8x8 digits: the other nine digits are normal; every 4th of their rows (by
    /// index) is held out for the test, the rest trains; every row of <paramref name="anomalyDigit"/> is a test
    /// anomaly.
    /// </summary>
    public static AnomalySplit DigitsHoldOut(float[] pixels, int[] labels, int anomalyDigit)
    {
        var rows = Enumerable.Range(0, labels.Length).Select(i => pixels.AsSpan(i * Digits.Dimension, Digits.Dimension)
            .ToArray()).ToArray();
        var normal = Enumerable.Range(0, rows.Length).Where(i => labels[i] != anomalyDigit).ToArray();
        var train = normal.Where((_, k) => k % 4 != 3).Select(i => rows[i]).ToArray();
        var testIdx = normal.Where((_, k) => k % 4 == 3).Concat(Enumerable.Range(0, rows.Length).Where(i =>
            labels[i] == anomalyDigit)).ToArray();
        return new AnomalySplit($"digit {anomalyDigit}", train, testIdx.Select(i => rows[i]).ToArray(),
            testIdx.Select(i => labels[i] == anomalyDigit ? 1f : 0f).ToArray());
    }

    /// <summary>
    /// The simpler-input trap (Nalisnick et al. 2019: a flow trained on Fashion-MNIST finds MNIST digits more likely),
    /// with the committed UCI digits standing in for MNIST: train on the first <paramref name="trainRows"/>
    /// Fashion-MNIST training images (all classes); test on the first <paramref name="testRows"/> Fashion-MNIST test
    /// images (normal) and every UCI digit drawn as a 28x28 MNIST-style image (anomalies): each 8x8 pixel becomes a 3x3
    /// block of a centred 24x24 square, level k of 0..16 becomes grey value round(255k/16), white ink on black as in
    /// MNIST.
    /// </summary>
    public static AnomalySplit FashionVsDigits(float[][] train, float[][] test, int trainRows, int testRows,
        float[] digitPixels)
    {
        int n = Math.Min(testRows, test.Length), digits = digitPixels.Length / Digits.Dimension;
        var drawn = Enumerable.Range(0, digits).Select(i => DigitAs28x28(digitPixels.AsSpan(i * Digits.Dimension,
            Digits.Dimension))).ToArray();
        return new AnomalySplit("UCI digits", train.Take(trainRows).ToArray(), test.Take(n).Concat(drawn).ToArray(),
            Enumerable.Repeat(0f, n).Concat(Enumerable.Repeat(1f, digits)).ToArray());
    }

    /// <summary>An 8x8 UCI digit (levels 0..16) as a 28x28 image of grey values 0..255: 3x3 blocks in a centred 24x24
    /// square.</summary>
    public static float[] DigitAs28x28(ReadOnlySpan<float> digit)
    {
        var image = new float[28 * 28];
        for (int y = 0; y < 24; y++)
            for (int x = 0; x < 24; x++)
                image[(y + 2) * 28 + x + 2] = MathF.Round(digit[y / 3 * 8 + x / 3] * 255f / (Digits.Levels - 1));
        return image;
    }

    /// <summary>
    /// Breast cancer, benign = normal, malignant = anomaly: a seeded shuffle of the benign rows, two thirds train and
    /// one third test beside every malignant row. Features are standardized with the training rows' mean and standard
    /// deviation (both NICE and RandomizedPca see the same values).
    /// </summary>
    public static AnomalySplit CancerSplit(float[][] rows, bool[] malignant, int seed)
    {
        var benign = Enumerable.Range(0, rows.Length).Where(i => !malignant[i]).ToArray();
        new Random(seed).Shuffle(benign);
        int nTrain = benign.Length * 2 / 3;
        var train = benign.Take(nTrain).Select(i => rows[i]).ToArray();
        var testIdx = benign.Skip(nTrain).Concat(Enumerable.Range(0, rows.Length).Where(i => malignant[i])).ToArray();
        int d = rows[0].Length;
        var mean = new double[d];
        var sd = new double[d];
        for (int j = 0; j < d; j++)
        {
            mean[j] = train.Average(r => (double)r[j]);
            sd[j] = Math.Sqrt(train.Average(r => (r[j] - mean[j]) * (r[j] - mean[j])));
            if (!(sd[j] > 0)) sd[j] = 1;
        }
        float[] Standardize(float[] r) => r.Select((v, j) => (float)((v - mean[j]) / sd[j])).ToArray();
        return new AnomalySplit($"split {seed}", train.Select(Standardize).ToArray(), testIdx.Select(i =>
            Standardize(rows[i])).ToArray(),
            testIdx.Select(i => malignant[i] ? 1f : 0f).ToArray());
    }
}
