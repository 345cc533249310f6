using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Anomaly;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.MLNet;

/// <summary>
/// Log-likelihood, bits/dim and <see cref="NiceTransformer.Evaluate"/> pinned to numbers computed by hand. A fitted model
/// with every weight set to zero is the identity map (zero coupling outputs, scaling exp(0) = 1), so log p(x) = Σᵢ log p_H(xᵢ):
/// −½xᵢ² − ½ln 2π for the Gaussian prior, −xᵢ − 2 ln(1 + e^−xᵢ) for the logistic, with xᵢ = (kᵢ + ½)/L at scoring when
/// dequantizing. The literals below were computed from those formulas in double precision.
/// </summary>
public class DensityMetricsTests
{
    private readonly MLContext ml = new(seed: 1);
    private readonly ITestOutputHelper output;

    public DensityMetricsTests(ITestOutputHelper output) => this.output = output;

    public sealed class Row4
    {
        [VectorType(4)] public float[] Features = Array.Empty<float>();
    }

    public sealed class Row2
    {
        [VectorType(2)] public float[] Features = Array.Empty<float>();
    }

    private IDataView Rows4(params float[][] rows) => ml.Data.LoadFromEnumerable(rows.Select(r => new Row4 { Features = r }));

    private IDataView Rows2(params float[][] rows) => ml.Data.LoadFromEnumerable(rows.Select(r => new Row2 { Features = r }));

    /// <summary>Fits a small model on <paramref name="train"/>, then makes it the identity map by zeroing every parameter.</summary>
    private static NiceTransformer IdentityModel(MLContext ml, IDataView train, NicePrior prior, int levels = 0)
    {
        var options = Fixtures.Small(epochs: 1);
        options.Prior = prior;
        options.DequantizationLevels = levels;
        var model = ml.Transforms.Nice(options).Fit(train);
        using (no_grad())
            foreach (var p in model.Flow.parameters()) p.zero_();
        return model;
    }

    private static float[][] IntegerRows(int n, int dimension, int levels, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, dimension).Select(_ => (float)random.Next(levels)).ToArray()).ToArray();
    }

    [Fact]
    public void GaussianPrior_LogLikelihood_EvaluateMeanAndStandardError_AreTheHandComputedValues()
    {
        using var model = IdentityModel(ml, Fixtures.Data(ml, Fixtures.Correlated(200)), NicePrior.Gaussian);
        // log p = −2 ln 2π − ½‖x‖²: ‖x‖² = 0, 6, 25; the NaN row is left out of Evaluate.
        var data = Rows4(new float[] { 0, 0, 0, 0 }, new float[] { 1, 2, -1, 0 }, new float[] { 3, 0, 0, 4 }, new[] { float.NaN, 0, 0, 0 });
        var ll = Fixtures.Column(model.Transform(data), "LogLikelihood");
        Approx.Equal(-3.6757541328186907, ll[0], 1e-5, "row 0");
        Approx.Equal(-6.675754132818691, ll[1], 1e-5, "row 1");
        Approx.Equal(-16.17575413281869, ll[2], 1e-5, "row 2");
        Assert.True(float.IsNaN(ll[3]));

        var metrics = model.Evaluate(data);
        Assert.Equal(3, metrics.Rows);
        Approx.Equal(-8.842420799485357, metrics.LogLikelihood, 1e-5, "mean log-likelihood");
        Approx.Equal(3.7675515184857713, metrics.StandardError, 1e-5, "standard error (sample s.d. with n − 1, over √n)");
        Approx.Equal(3.189229159217737, metrics.BitsPerDim, 1e-5, "bits/dim = −mean/(D ln 2)");
        Approx.Equal(3.189229159217737, model.BitsPerDim(-8.842420799485357), 1e-12, "NiceTransformer.BitsPerDim");
    }

    [Fact]
    public void LogisticPrior_WithDequantization_ScoresAtTheBinCentre_AndBitsPerDimIsOnTheZeroToLScale()
    {
        var train = Rows4(IntegerRows(300, 4, 17, seed: 2));
        using var model = IdentityModel(ml, train, NicePrior.Logistic, levels: 17);
        // x = (k + ½)/17; log p = Σ −x − 2 ln(1 + e^−x); bits/dim = (−log p + 4 ln 17)/(4 ln 2)
        var data = Rows4(new float[] { 0, 8, 16, 3 }, new float[] { 16, 16, 16, 16 });
        var ll = Fixtures.Column(model.Transform(data), "LogLikelihood");
        Approx.Equal(-5.844639710422324, ll[0], 1e-5, "row (0, 8, 16, 3)");
        Approx.Equal(-6.452410167099481, ll[1], 1e-5, "row (16, 16, 16, 16)");
        Approx.Equal(6.195471022752589, model.BitsPerDim(-5.844639710422324), 1e-12, "bits/dim of row 0");
        Approx.Equal(6.414677878714328, model.BitsPerDim(-6.452410167099481), 1e-12, "bits/dim of row 1");
        Assert.Equal(ll, model.LogLikelihood(new[] { new float[] { 0, 8, 16, 3 }, new float[] { 16, 16, 16, 16 } }));
    }

    [Fact]
    public void AnomalyBitsPerDimScore_OfADequantizedModel_IsTheHandComputedValue()
    {
        var train = Rows4(IntegerRows(300, 4, 17, seed: 3));
        var options = new NiceAnomalyOptions { Nice = Fixtures.Small(epochs: 1), Score = NiceAnomalyScore.BitsPerDim };
        options.Nice.DequantizationLevels = 17;
        // Fit scores the training rows to calibrate the threshold, so the ONNX Runtime engine's session already holds
        // the fitted weights; zeroing the TorchSharp parameters afterwards reaches the TorchSharp engine only.
        // (The engines' equality is ScoringEngineTests' subject.)
        options.Nice.ScoringEngine = NiceScoringEngine.TorchSharp;
        using var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(train);
        using (no_grad())
            foreach (var p in detector.Model.Flow.parameters()) p.zero_();
        var scores = Fixtures.Column(detector.Transform(Rows4(new float[] { 0, 8, 16, 3 })), "Score");
        Approx.Equal(6.195471022752589, scores[0], 1e-5, "BitsPerDim score");
    }

    /// <summary>
    /// Evaluate draws u ~ U(0,1) per value: for the identity model with the Gaussian prior and every value at level k = 0 of
    /// L = 2, x = u/2, so E[log p] = −2·E[x²]/2 − ln 2π = −1/12 − ln 2π = −1.9212104 per row (D = 2), with s.d. √(1/360)
    /// = 0.0527046 per row: on 5,000 rows the standard error is 0.000745. The bin centre x = ¼ would give −1.9003771
    /// (28 standard errors away); noise centred on k instead of k + ½ would give −1.8587.
    /// </summary>
    [Fact]
    public void Evaluate_WithDequantization_AveragesOverUniformNoiseInTheBin()
    {
        using var model = IdentityModel(ml, Rows2(IntegerRows(300, 2, 2, seed: 4)), NicePrior.Gaussian, levels: 2);
        const int n = 5_000;
        var data = Rows2(Enumerable.Range(0, n).Select(_ => new float[] { 0, 0 }).ToArray());
        var metrics = model.Evaluate(data, seed: 7);
        output.WriteLine($"Evaluate: {metrics.LogLikelihood:F7} ± {metrics.StandardError:F7} over {metrics.Rows} rows");
        Assert.Equal(n, metrics.Rows);
        double se = Math.Sqrt(1.0 / 360 / n);
        Approx.Equal(-1.9212103997426787, metrics.LogLikelihood, 4 * se, "mean log-likelihood over the noise");
        Approx.Equal(se, metrics.StandardError, 0.05 * se, "standard error");
        var centre = Fixtures.Column(model.Transform(Rows2(new float[] { 0, 0 })), "LogLikelihood")[0];
        Approx.Equal(-1.9003770664093453, centre, 1e-5, "Transform scores at the bin centre");
    }

    /// <summary>On continuous data Evaluate is the mean of Transform's LogLikelihood column, with its standard error.</summary>
    [Fact]
    public void Evaluate_OnContinuousData_IsTheMeanAndStandardErrorOfTransformsColumn()
    {
        var options = Fixtures.Small(epochs: 3);
        options.ScoringBatchSize = 64;   // 300 rows: four full batches and a partial one
        var train = Fixtures.Data(ml, Fixtures.Correlated(400, seed: 5));
        using var model = ml.Transforms.Nice(options).Fit(train);
        var test = Fixtures.Data(ml, Fixtures.Correlated(300, seed: 6));
        var ll = Fixtures.Column(model.Transform(test), "LogLikelihood").Select(v => (double)v).ToArray();
        double mean = ll.Average();
        double se = Math.Sqrt(ll.Sum(v => (v - mean) * (v - mean)) / (ll.Length - 1) / ll.Length);
        var metrics = model.Evaluate(test);
        Assert.Equal(300, metrics.Rows);
        Approx.Equal(mean, metrics.LogLikelihood, 1e-9 * Math.Max(1, Math.Abs(mean)), "mean");
        Approx.Equal(se, metrics.StandardError, 1e-6 * se, "standard error");
        Approx.Equal(-mean / (4 * Math.Log(2)), metrics.BitsPerDim, 1e-9, "bits/dim");
    }

    /// <summary>
    /// Training sees noised values too: with a learning rate so small that the model stays where data-dependent
    /// initialization put it, the first epoch's training NLL (averaged over the noised training batches) matches Evaluate's
    /// noise-averaged NLL on the same rows, and not the bin-centre NLL of Transform.
    /// </summary>
    [Fact]
    public void Training_DequantizesWithUniformNoise_LikeEvaluate_NotAtTheBinCentre()
    {
        var rows = IntegerRows(8_000, 2, 2, seed: 8);
        var data = Rows2(rows);
        var options = Fixtures.Small(epochs: 1);
        options.Prior = NicePrior.Gaussian;
        options.DequantizationLevels = 2;
        options.LearningRate = 1e-12;
        options.ValidationFraction = 0;
        using var model = ml.Transforms.Nice(options).Fit(data);
        double trainNll = model.TrainingSummary!.History[0].TrainNll;
        var noised = model.Evaluate(data, seed: 9);
        double centre = -Fixtures.Column(model.Transform(data), "LogLikelihood").Average(v => (double)v);
        output.WriteLine($"train NLL {trainNll:F5}; Evaluate (noise) {-noised.LogLikelihood:F5} ± {noised.StandardError:F5}; bin centre {centre:F5}");
        double tolerance = 5 * Math.Sqrt(2) * noised.StandardError;   // two independent noise draws
        Approx.Equal(-noised.LogLikelihood, trainNll, tolerance, "training NLL vs Evaluate's");
        Assert.True(Math.Abs(trainNll - centre) > 2 * tolerance, $"the bin-centre NLL {centre:F5} is too close to tell apart from the training NLL {trainNll:F5}");
    }
}
