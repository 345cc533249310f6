using System;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Images;
using Xunit;

namespace Nice.MLNet.Tests.Images;

/// <summary>Runs alone: the estimator seeds TorchSharp's global generator before initializing the weights, so two trainings compared
/// value for value must not share that generator with tests running in parallel.</summary>
[CollectionDefinition(nameof(SequentialImageTraining), DisableParallelization = true)]
public sealed class SequentialImageTraining { }

[Collection(nameof(SequentialImageTraining))]
public sealed class ImagePipelineTests
{
    [Fact]
    public void ExtractPixels_ReadsWrittenPngLevelsBack_GrayAndRgbPlanesInOrder()
    {
        using var files = ImageFiles.Write(5, rgb: true);
        var ml = new MLContext(1);
        var data = ImagePipeline.Data(ml, files);
        int s = files.Size, plane = s * s;
        var rgb = ImagePipeline.Features(ImagePipeline.Pixels(ml, files, s, rgb: true, scale: 1).Fit(data).Transform(data));
        var gray = ImagePipeline.Features(ImagePipeline.Pixels(ml, files, s, rgb: false, scale: 1).Fit(data).Transform(data));
        for (int i = 0; i < files.Names.Length; i++)
        {
            Assert.Equal(3 * plane, rgb[i].Length);
            var v = files.Pixels[i];
            for (int p = 0; p < plane; p++)
            {
                Assert.Equal(v[p], rgb[i][p]);                 // R plane first
                Assert.Equal(255 - v[p], rgb[i][plane + p]);   // then G
                Assert.Equal(v[p] / 2, rgb[i][2 * plane + p]); // then B
            }
            Assert.Equal(plane, gray[i].Length);
            // ConvertToGrayscale of the tinted picture is a weighted sum of R, G, B: between the smallest and largest plane.
            for (int p = 0; p < plane; p++)
            {
                float lo = new[] { rgb[i][p], rgb[i][plane + p], rgb[i][2 * plane + p] }.Min() - 1;
                float hi = new[] { rgb[i][p], rgb[i][plane + p], rgb[i][2 * plane + p] }.Max() + 1;
                Assert.InRange(gray[i][p], lo, hi);
                Assert.Equal(MathF.Round(gray[i][p]), gray[i][p]);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PixelQuantization_GivesTheSameLogLikelihoodForBytesAndScaledPixels(bool rgb)
    {
        using var files = ImageFiles.Write(300, rgb);
        var ml = new MLContext(1);
        var data = ImagePipeline.Data(ml, files);
        int side = rgb ? Math.Min(8, files.Target) : files.Target;

        NiceTransformer Train(float scale, float offset, out float[][] features)
        {
            var pixels = ImagePipeline.Pixels(ml, files, side, rgb, scale, offset).Fit(data);
            var view = pixels.Transform(data);
            features = ImagePipeline.Features(view);
            var options = ImagePipeline.Small(epochs: 2).WithPixelQuantization(scale, offset);
            return ml.Transforms.Nice(options).Fit(view);
        }

        using var bytes = Train(1, 0, out var raw);
        using var unit = Train(1f / 255, 0, out var scaled);
        using var centred = Train(1f / 127.5f, 127.5f, out var signed);
        Assert.Equal(256, unit.DequantizationLevels);
        Assert.All(raw.SelectMany(r => r), v => Assert.True(v >= 0 && v <= 255 && v == MathF.Round(v), $"byte value {v}"));
        Assert.All(scaled.SelectMany(r => r), v => Assert.InRange(v, 0f, 1f));
        Assert.All(signed.SelectMany(r => r), v => Assert.InRange(v, -1f, 1f));
        Assert.Contains(signed.SelectMany(r => r), v => v < 0);

        var llBytes = bytes.LogLikelihood(raw);
        var llUnit = unit.LogLikelihood(scaled);
        var llCentred = centred.LogLikelihood(signed);
        for (int i = 0; i < raw.Length; i++)
        {
            Assert.Equal(llBytes[i], llUnit[i], 1e-4 * Math.Abs(llBytes[i]) + 1e-3);
            Assert.Equal(llBytes[i], llCentred[i], 1e-4 * Math.Abs(llBytes[i]) + 1e-3);
        }
        double mean = llBytes.Average(v => (double)v);
        double bpd = bytes.BitsPerDim(mean);
        Assert.Equal(bpd, unit.BitsPerDim(llUnit.Average(v => (double)v)), 1e-4);
        Assert.InRange(bpd, 0.5, 8.0); // a density on [0,256)^D: 8 bits/dim is the uniform model
        // and the pictures come back in the right units: a sample's pixel range is [0, 1] for scale 1/255 and [-1, 1] for the centred model
        var shape = new NiceImageShape(side, side, rgb ? 3 : 1);
        Assert.Equal((0f, 1f), unit.PixelRange(shape));
        var (lo, hi) = centred.PixelRange(shape);
        Assert.Equal(-1f, lo, 1e-6f);
        Assert.Equal(1f, hi, 1e-6f);
    }

    [Fact]
    public void WithPixelQuantization_RejectsNonPositiveScale()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NiceOptions().WithPixelQuantization(scaleImage: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NiceOptions().WithPixelQuantization(scaleImage: -1f / 255));
        var o = new NiceOptions().WithPixelQuantization(scaleImage: 0.5f, offsetImage: 10);
        Assert.Equal((256, 0.5, -5.0), (o.DequantizationLevels, o.QuantizationStep, o.QuantizationOffset));
    }
}
