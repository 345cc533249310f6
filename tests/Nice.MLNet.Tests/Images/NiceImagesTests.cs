using System;
using System.IO;
using System.Linq;
using Microsoft.ML.Data;
using Nice.MLNet.Images;
using Xunit;

namespace Nice.MLNet.Tests.Images;

public sealed class NiceImagesTests
{
    [Fact]
    public void ToImage_PutsTheRgbPlanesIntoRedGreenBlue_WithOpaqueAlpha()
    {
        // 2x1 picture: planes R = (0, 1), G = (0.5, 0), B = (1, 0.25) on a [0, 1] scale
        var row = new[] { 0f, 1f, 0.5f, 0f, 1f, 0.25f };
        using var image = NiceImages.ToImage(row, 2, 1, channels: 3, min: 0, max: 1);
        var bgra = image.Pixels.ToArray();
        Assert.Equal(new byte[] { 255, 128, 0, 255, 64, 0, 255, 255 }, bgra);
    }

    [Fact]
    public void SaveLines_LaysOutOneLinePerList_PaddingShortLinesWithBackground()
    {
        var path = Path.Combine(Path.GetTempPath(), "nice-lines-" + Guid.NewGuid().ToString("N")[..8] + ".png");
        try
        {
            var white = Enumerable.Repeat(255f, 4).ToArray();
            NiceImages.SaveLines(new[] { new[] { white, white, white }, new[] { white } }, 2, 2, path, scale: 2);
            using var grid = MLImage.CreateFromFile(path);
            Assert.Equal((3 * 5 + 1, 2 * 5 + 1), (grid.Width, grid.Height));
            var bgra = grid.Pixels.ToArray();
            byte Red(int x, int y) => bgra[(y * grid.Width + x) * 4 + 2];
            Assert.Equal(255, Red(1, 6));   // line 2, tile 1: white
            Assert.Equal(64, Red(6, 6));    // line 2, tile 2: padding
            Assert.Equal(255, Red(11, 1));  // line 1, tile 3: white
            Assert.Equal(64, Red(0, 0));    // frame
            for (int i = 3; i < bgra.Length; i += 4) Assert.Equal(255, bgra[i]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
