using System;
using System.Linq;
using Nice.MLNet.Images;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.Images;

public sealed class InpaintingTests : IClassFixture<TrainedImageModel>
{
    private readonly TrainedImageModel m;
    private readonly ITestOutputHelper output;

    public InpaintingTests(TrainedImageModel model, ITestOutputHelper output)
    {
        m = model;
        this.output = output;
    }

    /// <summary>Known = every pixel outside the given rows [top, bottom) — a horizontal band is hidden.</summary>
    private bool[] Band(int top, int bottom)
    {
        int w = m.Shape.Width;
        return Enumerable.Range(0, m.Shape.Dimension).Select(p => p / w < top || p / w >= bottom).ToArray();
    }

    /// <summary>The picture with its unknown pixels replaced by the mean of its known pixels.</summary>
    private static float[] MeanFill(float[] image, bool[] known)
    {
        float mean = image.Where((_, i) => known[i]).Average();
        return image.Select((v, i) => known[i] ? v : mean).ToArray();
    }

    private static double MaskedRmse(float[][] truth, float[][] guess, bool[] known)
        => Math.Sqrt(truth.Zip(guess).SelectMany(p => p.First.Select((v, i) => known[i] ? double.NaN : (v - p.Second[i]) * (double)(v - p.Second[i])))
            .Where(double.IsFinite).Average());

    [Fact]
    public void Inpainting_LowersTheErrorOnHiddenPixels_VersusTheMeanFilledStart()
    {
        int h = m.Shape.Height;
        var known = Band(h / 4, h / 2 + h / 4);
        var truth = m.Test[..30];
        var start = truth.Select(t => MeanFill(t, known)).ToArray();
        var masks = Enumerable.Repeat(known, truth.Length).ToArray();
        var filled = m.Model.Inpaint(start, masks, new NiceInpaintingOptions { Seed = 1 }); // the paper's schedule: 1000 steps, αᵢ = 10/(100 + i), unit noise
        double before = MaskedRmse(truth, start, known), after = MaskedRmse(truth, filled, known);
        var llBefore = m.Model.LogLikelihood(start).Average();
        var llAfter = m.Model.LogLikelihood(filled).Average();
        output.WriteLine($"RMSE on hidden pixels: mean fill {before:F4}, inpainted {after:F4}; mean log p: {llBefore:F1} -> {llAfter:F1}; truth {m.Model.LogLikelihood(truth).Average():F1}");
        Assert.True(llAfter > llBefore, $"log p should rise: {llBefore:F1} -> {llAfter:F1}");
        Assert.True(after < 0.8 * before, $"inpainting RMSE {after:F4} should be clearly below the mean fill's {before:F4}");
    }

    [Fact]
    public void Inpainting_KeepsKnownPixels_AndStaysInTheValidRange()
    {
        var known = Band(0, m.Shape.Height / 2);
        var image = m.Test[5].Select((v, i) => known[i] ? v : 0f).ToArray();
        var filled = m.Model.Inpaint(image, known, new NiceInpaintingOptions { Steps = 50, Seed = 2 });
        for (int i = 0; i < image.Length; i++)
        {
            if (known[i]) Assert.Equal(image[i], filled[i], 1e-5f);
            Assert.InRange(filled[i], 0f, 1f);
        }
        Assert.Contains(filled.Where((_, i) => !known[i]), v => v != 0f);
        // the same seed gives the same completion, another seed another one (the paper's Gaussian noise)
        Assert.Equal(filled, m.Model.Inpaint(image, known, new NiceInpaintingOptions { Steps = 50, Seed = 2 }));
        Assert.NotEqual(filled, m.Model.Inpaint(image, known, new NiceInpaintingOptions { Steps = 50, Seed = 3 }));
        // zero steps returns the start
        Assert.Equal(image, m.Model.Inpaint(image, known, new NiceInpaintingOptions { Steps = 0 }), new Tolerance());
    }

    [Fact]
    public void Inpainting_RejectsBadArguments()
    {
        var known = Band(0, 2);
        Assert.Throws<ArgumentException>(() => m.Model.Inpaint(new[] { m.Test[0] }, Array.Empty<bool[]>()));
        Assert.Throws<ArgumentException>(() => m.Model.Inpaint(m.Test[0], new bool[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Model.Inpaint(m.Test[0], known, new NiceInpaintingOptions { Steps = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Model.Inpaint(m.Test[0], known, new NiceInpaintingOptions { StepDenominator = 0 }));
        var nan = (float[])m.Test[0].Clone();
        nan[0] = float.NaN;
        Assert.Throws<ArgumentException>(() => m.Model.Inpaint(nan, known));
    }

    [Fact]
    public void Inpainting_OfAContinuousModel_NeedsTheValidRange_AndStaysInIt()
    {
        var ml = new Microsoft.ML.MLContext(1);
        var options = ImagePipeline.Small(epochs: 1, width: 16);
        using var model = Microsoft.ML.NiceCatalog.Nice(ml.Transforms, options).Fit(MLNet.Fixtures.Digits(ml)); // 8x8 digits, 0..16, no dequantization
        var image = MLNet.Fixtures.VectorColumn(MLNet.Fixtures.Digits(ml), "Features")[0];
        var known = Enumerable.Range(0, 64).Select(p => p < 32).ToArray();
        Assert.Throws<ArgumentException>(() => model.Inpaint(image, known));
        Assert.Throws<ArgumentException>(() => model.PixelRange(new NiceImageShape(8, 8)));
        var filled = model.Inpaint(image, known, new NiceInpaintingOptions { Steps = 30, Min = 0, Max = 16 });
        for (int i = 0; i < 64; i++)
        {
            Assert.InRange(filled[i], 0f, 16f);
            if (known[i]) Assert.Equal(image[i], filled[i], 1e-5f);
        }
        Assert.Contains(Enumerable.Range(32, 32), i => filled[i] != image[i]);
    }

    private sealed class Tolerance : System.Collections.Generic.IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) < 1e-4f;
        public int GetHashCode(float v) => 0;
    }
}
