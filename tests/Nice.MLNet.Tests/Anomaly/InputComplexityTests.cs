using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Tests.MLNet;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.Anomaly;

public class InputComplexityTests
{
    private readonly MLContext ml = new(seed: 1);
    private readonly ITestOutputHelper output;

    public InputComplexityTests(ITestOutputHelper output) => this.output = output;

    private static InputComplexity DigitsCoder(NiceComplexityCompressor compressor = NiceComplexityCompressor.Deflate, int width = 8)
        => new(17, 1, 0, compressor, width, 17);

    [Theory]
    [InlineData(NiceComplexityCompressor.Deflate, 8)]
    [InlineData(NiceComplexityCompressor.Deflate, 0)]
    [InlineData(NiceComplexityCompressor.Brotli, 8)]
    public void CompressedLength_GrowsFromConstantToDigitToNoise(NiceComplexityCompressor compressor, int width)
    {
        var (pixels, _) = Cli.Datasets.Digits.Load();
        var coder = DigitsCoder(compressor, width);
        var rng = new Random(3);
        double constant = coder.Bits(Enumerable.Repeat(5f, 64).ToArray());
        double digit = Enumerable.Range(0, 50).Average(i => coder.Bits(pixels.AsSpan(i * 64, 64)));
        double noise = Enumerable.Range(0, 50).Average(_ => coder.Bits(Enumerable.Range(0, 64).Select(_ => (float)rng.Next(17)).ToArray()));
        output.WriteLine($"{compressor}/{width}: constant {constant} bits, digit {digit:F1}, noise {noise:F1}");
        Assert.True(constant < digit && digit < noise, $"constant {constant}, digit {digit}, noise {noise}");
        Assert.Equal(0, constant % 8);
    }

    [Fact]
    public void PngFilter_PredictsFromLeftAndAbove_AsTheStandardSays()
    {
        // A horizontal ramp: every row is 0,1,2,3 — Sub leaves 0,1,1,1 on row 0; Up leaves zeros on later rows.
        var image = new byte[] { 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3 };
        var filtered = InputComplexity.PngFilter(image, 4);
        Assert.Equal(new byte[] { 1, 0, 1, 1, 1, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0 }, filtered);
        Assert.Throws<ArgumentException>(() => InputComplexity.PngFilter(image, 5));
        // A jump of 128 filters to the byte 0x80 (-128 signed), which the cost heuristic must handle.
        Assert.Equal(new byte[] { 0, 0, 128 }, InputComplexity.PngFilter(new byte[] { 0, 128 }, 2));
    }

    [Fact]
    public void Quantize_MapsValuesToLevels_RescalingBeyond256()
    {
        var digits = DigitsCoder();
        Assert.Equal(new byte[] { 0, 16, 16, 0, 3 }, digits.Quantize(new[] { -2f, 16f, 40f, float.NaN, 3.2f }));
        var wide = new InputComplexity(1024, 1, 0, NiceComplexityCompressor.Deflate, 0, 0);
        Assert.Equal(new byte[] { 0, 128, 255 }, wide.Quantize(new[] { 0f, 511.5f, 1023f }));
    }

    /// <summary>
    /// With the paper's plain initialization (DataDependentInit = false), 15 epochs leave the model where the trap is strong.
    /// </summary>
    [Fact]
    public void ComplexityScore_RanksSimpleImagesMoreAnomalousThanRawNll()
    {
        var (pixels, _) = Cli.Datasets.Digits.Load();
        var rows = Enumerable.Range(0, pixels.Length / 64).Select(i => pixels.AsSpan(i * 64, 64).ToArray()).ToArray();
        var train = ml.Data.LoadFromEnumerable(rows.Take(1500).Select(r => new Fixtures.DigitRow { Features = r }));
        var testDigits = rows.Skip(1500).ToArray();
        var options = new NiceAnomalyOptions
        {
            Nice = new NiceOptions { Couplings = 4, HiddenLayers = 2, HiddenWidth = 64, Epochs = 15, BatchSize = 100, Seed = 1, DequantizationLevels = 17, DataDependentInit = false },
            Score = NiceAnomalyScore.Nll,
            ImageWidth = 8,
        };
        using var nll = ml.AnomalyDetection.Trainers.Nice(options).Fit(train);
        using var corrected = nll.ChangeScore(NiceAnomalyScore.InputComplexity, train);
        Assert.Equal(NiceAnomalyScore.InputComplexity, corrected.ScoreKind);

        // Rank of an input among the held-out digits: the fraction of digits scoring above it (1 = looks more normal than every digit).
        double[] Ranks(NiceAnomalyDetector d, float[][] inputs)
        {
            var digits = d.Score(testDigits);
            return d.Score(inputs).Select(s => digits.Count(t => t > s) / (double)digits.Length).ToArray();
        }

        // Nalisnick et al.'s trap, reproduced: the held-out digits at half contrast (levels 0..8, out of distribution and simpler)
        // look MORE normal than most real digits to the raw likelihood; the complexity-corrected score flags them.
        var lowContrast = testDigits.Select(r => r.Select(v => MathF.Round(v / 2)).ToArray()).ToArray();
        double raw = Ranks(nll, lowContrast).Average(), fixedRank = Ranks(corrected, lowContrast).Average();
        output.WriteLine($"half-contrast digits: mean rank raw NLL {raw:F3}, corrected {fixedRank:F3}");
        Assert.True(raw > 0.6, $"raw NLL mean rank {raw}: the trap did not show");
        Assert.True(fixedRank < 0.2, $"corrected mean rank {fixedRank}");

        // Constant and near-constant images: the correction moves every one towards "anomalous".
        var simple = SimpleImages().ToArray();
        var rawRanks = Ranks(nll, simple);
        var correctedRanks = Ranks(corrected, simple);
        for (int i = 0; i < simple.Length; i++)
        {
            output.WriteLine($"simple {i}: raw NLL rank {rawRanks[i]:F3}, corrected rank {correctedRanks[i]:F3}");
            Assert.True(correctedRanks[i] <= rawRanks[i], $"simple image {i}: corrected {correctedRanks[i]} > raw {rawRanks[i]}");
        }
        Assert.True(correctedRanks.Average() < rawRanks.Average(), $"mean rank raw {rawRanks.Average()}, corrected {correctedRanks.Average()}");
    }

    /// <summary>
    /// With the default (data-dependent) initialization the model is better trained and the trap is weaker — half-contrast digits
    /// still look more normal than about a third of real digits — and the correction still moves them towards anomalous.
    /// </summary>
    [Fact]
    public void ComplexityScore_WithDefaultInit_StillMovesSimplerInputsTowardsAnomalous()
    {
        var (pixels, _) = Cli.Datasets.Digits.Load();
        var rows = Enumerable.Range(0, pixels.Length / 64).Select(i => pixels.AsSpan(i * 64, 64).ToArray()).ToArray();
        var train = ml.Data.LoadFromEnumerable(rows.Take(1500).Select(r => new Fixtures.DigitRow { Features = r }));
        var testDigits = rows.Skip(1500).ToArray();
        var options = new NiceAnomalyOptions
        {
            Nice = new NiceOptions { Couplings = 4, HiddenLayers = 2, HiddenWidth = 64, Epochs = 15, BatchSize = 100, Seed = 1, DequantizationLevels = 17 },
            ImageWidth = 8,
        };
        using var nll = ml.AnomalyDetection.Trainers.Nice(options).Fit(train);
        using var corrected = nll.ChangeScore(NiceAnomalyScore.InputComplexity, train);
        double MeanRank(NiceAnomalyDetector d, float[][] inputs)
        {
            var digits = d.Score(testDigits);
            return d.Score(inputs).Select(s => digits.Count(t => t > s) / (double)digits.Length).Average();
        }
        var lowContrast = testDigits.Select(r => r.Select(v => MathF.Round(v / 2)).ToArray()).ToArray();
        double raw = MeanRank(nll, lowContrast), fixedRank = MeanRank(corrected, lowContrast);
        output.WriteLine($"default init, half-contrast digits: mean rank raw NLL {raw:F3}, corrected {fixedRank:F3}");
        Assert.True(raw > 0.2, $"raw NLL mean rank {raw}");
        Assert.True(fixedRank < raw / 2, $"corrected mean rank {fixedRank} vs raw {raw}");
    }

    [Fact]
    public void ComplexityScore_OnContinuousData_QuantizesOverTheCalibrationRange()
    {
        var rows = Fixtures.Correlated(300, seed: 2);
        var data = Fixtures.Data(ml, rows);
        using var detector = ml.AnomalyDetection.Trainers.Nice(AnomalyFixtures.Small(epochs: 2)).Fit(data);
        using var corrected = detector.ChangeScore(NiceAnomalyScore.InputComplexity, data, 0.1);
        float min = rows.Min(r => r.Features.Min()), max = rows.Max(r => r.Features.Max());
        var coder = new InputComplexity(256, (max - (double)min) / 255, min, NiceComplexityCompressor.Deflate, 0, 0);
        var features = rows.Select(r => r.Features).ToArray();
        var ll = detector.Model.LogLikelihood(features);
        var scores = Fixtures.Column(corrected.Transform(data), "Score");
        for (int i = 0; i < rows.Length; i += 7)
            Approx.Equal(detector.Model.BitsPerDim(ll[i]) - coder.Bits(features[i]) / 4, scores[i], 1e-4, $"row {i}");
        Assert.InRange(corrected.CalibrationFalsePositiveRate!.Value, 0.09, 0.11);
    }

    /// <summary>Low-complexity 8x8 images: constants at several levels, and constants with one bright pixel.</summary>
    private static IEnumerable<float[]> SimpleImages()
    {
        foreach (var level in new[] { 0f, 1f, 2f, 4f })
            yield return Enumerable.Repeat(level, 64).ToArray();
        foreach (var level in new[] { 0f, 1f })
        {
            var image = Enumerable.Repeat(level, 64).ToArray();
            image[27] = 12;
            yield return image;
        }
    }

    [Fact]
    public void SettingsText_RoundTrips_AndMalformedTextIsRefusedNamingTheKey()
    {
        var c = new InputComplexity(17, 1.0 / 3, -0.25, NiceComplexityCompressor.Brotli, 8, 17);
        Assert.Equal(c, InputComplexity.Parse(c.ToText()));
        var bad = new (string Text, string Says)[]
        {
            ("", "nice-complexity/1"),
            ("png levels=2", "nice-complexity/1"),
            (c.ToText().Replace("step=", "stride="), "'step'"),
            (c.ToText().Replace("levels=17 ", "levels=1 "), "levels"),
            (c.ToText().Replace("compressor=Brotli", "compressor=Zstd"), "compressor"),
            (c.ToText().Replace("offset=-0.25", "offset=NaN"), "offset"),
            (c.ToText() + " junk", "'junk'"),
        };
        foreach (var (text, says) in bad)
            Assert.Contains(says, Assert.Throws<System.IO.InvalidDataException>(() => InputComplexity.Parse(text)).Message);
    }
}
