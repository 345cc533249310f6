using System;
using System.IO;
using System.Linq;
using Microsoft.ML.Data;
using Nice.MLNet.Images;
using Xunit;

namespace Nice.MLNet.Tests.Images;

public sealed class ImageOutputTests : IClassFixture<TrainedImageModel>, IDisposable
{
    private readonly TrainedImageModel m;
    private readonly string folder = Path.Combine(Path.GetTempPath(), "nice-out-" + Guid.NewGuid().ToString("N")[..8]);

    public ImageOutputTests(TrainedImageModel model) => m = model;

    public void Dispose()
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    private static void AssertOpaque(MLImage image, int width, int height)
    {
        Assert.Equal(width, image.Width);
        Assert.Equal(height, image.Height);
        var px = image.GetBGRPixels; // B,G,R per pixel, no alpha: check alpha via the BGRA copy below
        Assert.Equal(width * height * 3, px.Length);
        Assert.Equal(MLPixelFormat.Bgra32, image.PixelFormat);
        var bgra = image.Pixels.ToArray();
        for (int i = 3; i < bgra.Length; i += 4) Assert.Equal(255, bgra[i]);
    }

    [Fact]
    public void SampleImages_AreOpaquePicturesOfTheModelSize_AndSamplesStayInPixelRange()
    {
        var s = m.Shape;
        var images = m.Model.SampleImages(s, 4, temperature: 0.75, seed: 2);
        Assert.Equal(4, images.Length);
        foreach (var image in images) using (image) AssertOpaque(image, s.Width, s.Height);
        var rows = m.Model.Sample(50, 1.0, seed: 3);
        Assert.All(rows.SelectMany(r => r), v => Assert.InRange(v, 0f, 1f));
        // samples are not all the same picture, and not flat
        Assert.True(rows.Select(r => r.Average()).Distinct().Count() > 40);
    }

    [Fact]
    public void SaveSampleGrid_WritesAPngThatDecodesWithOneLinePerTemperature()
    {
        var s = m.Shape;
        var path = Path.Combine(folder, "samples.png");
        m.Model.SaveSampleGrid(path, s, new[] { 0.5, 0.75, 1.0 }, perTemperature: 6, seed: 1, scale: 2);
        using var grid = MLImage.CreateFromFile(path);
        AssertOpaque(grid, 6 * (2 * s.Width + 1) + 1, 3 * (2 * s.Height + 1) + 1);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp-*"));
    }

    [Fact]
    public void Reconstructions_ReturnTheInputs_AndTheirGridDecodes()
    {
        var rows = m.Test[..8];
        var back = m.Model.Reconstruct(rows);
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[i].Length; j++)
                Assert.Equal(rows[i][j], back[i][j], 1e-4f); // a level is 1/255 ≈ 0.0039 apart
        var path = Path.Combine(folder, "reconstructions.png");
        m.Model.SaveReconstructionGrid(path, m.Shape, rows, scale: 3);
        using var grid = MLImage.CreateFromFile(path);
        AssertOpaque(grid, 8 * (3 * m.Shape.Width + 1) + 1, 2 * (3 * m.Shape.Height + 1) + 1);
    }

    [Fact]
    public void InterpolationEndpoints_ReconstructTheInputs_AndMiddleFramesLieBetween()
    {
        float[] a = m.Test[0], b = m.Test[1];
        var frames = m.Model.Interpolate(a, b, steps: 7);
        Assert.Equal(7, frames.Length);
        for (int j = 0; j < a.Length; j++)
        {
            Assert.Equal(a[j], frames[0][j], 1e-4f);
            Assert.Equal(b[j], frames[6][j], 1e-4f);
        }
        static double Dist(float[] x, float[] y) => Math.Sqrt(x.Zip(y, (p, q) => (double)(p - q) * (p - q)).Sum());
        var mid = frames[3];
        Assert.True(Dist(mid, a) > 0.05 * Dist(a, b) && Dist(mid, b) > 0.05 * Dist(a, b), "the middle frame is neither endpoint");
        Assert.All(mid, v => Assert.InRange(v, 0f, 1f));
        // the distance to a grows along the path, on the whole: first half closer to a than the second half
        Assert.True(Dist(frames[1], a) < Dist(frames[5], a));
        var path = Path.Combine(folder, "interpolation.png");
        m.Model.SaveInterpolationGrid(path, m.Shape, new[] { (a, b), (m.Test[2], m.Test[3]) }, steps: 7);
        using var grid = MLImage.CreateFromFile(path);
        AssertOpaque(grid, 7 * (m.Shape.Width + 1) + 1, 2 * (m.Shape.Height + 1) + 1);
    }

    [Fact]
    public void ImportanceImage_ShowsTheScalingVector_DarkWhereThePixelsNeverVary()
    {
        var s = m.Shape;
        using var image = m.Model.ImportanceImage(s);
        AssertOpaque(image, s.Width, s.Height);
        var bgra = image.Pixels.ToArray();
        var level = Enumerable.Range(0, s.Width * s.Height).Select(p => (double)bgra[4 * p + 2]).ToArray();
        var neg = m.Model.LogScale.Select(v => -v).ToArray();
        int darkest = Array.IndexOf(neg, neg.Min()), brightest = Array.IndexOf(neg, neg.Max());
        Assert.Equal(0, level[darkest]);
        Assert.Equal(255, level[brightest]);
        // The pictures' corner pixels hardly vary (Fashion-MNIST and the digits are centred), the centre does:
        int w = s.Width;
        double corners = new[] { 0, w - 1, (w - 1) * w, w * w - 1 }.Average(p => level[p]);
        double centre = new[] { (w / 2) * w + w / 2, (w / 2 - 1) * w + w / 2, (w / 2) * w + w / 2 - 1 }.Average(p => level[p]);
        Assert.True(corners < centre, $"corners {corners:F0} vs centre {centre:F0}");
        var path = Path.Combine(folder, "importance.png");
        m.Model.SaveImportance(path, s, scale: 4);
        using var file = MLImage.CreateFromFile(path);
        AssertOpaque(file, 4 * s.Width + 2, 4 * s.Height + 2);
    }

    [Fact]
    public void ImageMethods_RejectAShapeOfTheWrongSize_AndAModelWithoutARangeNeedsMinMax()
    {
        Assert.Throws<ArgumentException>(() => m.Model.SampleImages(new NiceImageShape(5, 5), 1));
        Assert.Throws<ArgumentException>(() => m.Model.PixelRange(m.Shape with { Channels = 3 }));
        Assert.Equal((2f, 3f), m.Model.PixelRange(m.Shape with { Min = 2, Max = 3 }));
    }
}
