using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Cli.Datasets;
using Xunit;

namespace Nice.MLNet.Tests.MLNet;

public sealed class VectorRow
{
    [VectorType(4)] public float[] Features = Array.Empty<float>();
    public float Label;
}

public sealed class NicePrediction
{
    [VectorType(4)] public float[] Latent = Array.Empty<float>();
    public float LogLikelihood;
}

internal static class Fixtures
{
    /// <summary>
    /// Saves <paramref name="detector"/> with <c>Model.Save</c> and checks the zip on <paramref name="data"/>:
    /// <c>LoadNice</c> gives the fitted detector's scores exactly, and <c>Model.Load</c> (a fresh MLContext, ONNX
    /// Runtime one row at a time) within 10⁻⁵ relative. Returns that largest relative difference.
    /// </summary>
    public static double AssertSavedDetectorScoresLikeFitted(MLContext ml, ITransformer detector, IDataView data,
        string path)
    {
        ml.Model.Save(detector, data.Schema, path);
        var expected = Column(detector.Transform(data), "Score");
        var batched = Column(ml.Model.LoadNice(path, out _).Transform(data), "Score");
        Assert.Equal(expected, batched);
        var ort = Column(new MLContext().Model.Load(path, out _).Transform(data), "Score");
        double worst = expected.Zip(ort, (a, b) => Math.Abs(a - b) / Math.Max(1, Math.Abs(a))).Max();
        Assert.True(worst <= 1e-5, $"scores differ by up to {worst:E2} (relative)");
        return worst;
    }

    /// <summary>Small fast options for tests.</summary>
    public static NiceOptions Small(int epochs = 3) => new()
    {
        Couplings = 4, HiddenLayers = 2, HiddenWidth = 32, Epochs = epochs, BatchSize = 64, Seed = 1,
        EnsembleMembers = 1,
    };

    /// <summary>n rows of a correlated 4-D Gaussian.</summary>
    public static VectorRow[] Correlated(int n, int seed = 0)
    {
        var rng = new Random(seed);
        double G() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return Enumerable.Range(0, n).Select(i =>
        {
            double a = G(), b = G(), c = G(), d = G();
            return new VectorRow { Features = new[] { (float)a, (float)(a + 0.5 * b), (float)(0.3 * c - a), (float)(d + b) }, Label = i % 2 };
        }).ToArray();
    }

    public static IDataView Data(MLContext ml, IEnumerable<VectorRow> rows) => ml.Data.LoadFromEnumerable(rows);

    /// <summary>The committed digits as an IDataView with a "Features" column (Vector&lt;Single, 64&gt;, 0..16) and a "Label" (Single).</summary>
    public static IDataView Digits(MLContext ml)
    {
        var (pixels, labels) = Cli.Datasets.Digits.Load();
        var rows = Enumerable.Range(0, labels.Length)
            .Select(i => new DigitRow { Features = pixels.AsSpan(i * 64, 64).ToArray(), Label = labels[i] });
        return ml.Data.LoadFromEnumerable(rows);
    }

    public sealed class DigitRow
    {
        [VectorType(64)] public float[] Features = Array.Empty<float>();
        public float Label;
    }

    public static float[] Column(IDataView view, string name) => view.GetColumn<float>(name).ToArray();

    public static float[][] VectorColumn(IDataView view, string name) => view.GetColumn<float[]>(name).ToArray();
}
