using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.Data;

namespace Nice.MLNet.Images;

/// <summary>Turns rows of pixel values (planar C×H×W, as ML.NET's ExtractPixels writes them) into pictures: one
/// <see cref="MLImage"/> per row, or one PNG grid.</summary>
public static class NiceImages
{
    /// <summary>
    /// One opaque (alpha 255) BGRA image from a row of
    /// <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/> values (channels 1 = gray, 3 =
    /// R,G,B planes), mapping [<paramref name="min"/>, <paramref name="max"/>] to 0…255 and clamping; NaN is drawn as
    /// the grids' background gray (64).
    /// </summary>
    public static MLImage ToImage(float[] row, int width, int height, int channels = 1, float min = 0, float max = 255)
    {
        var bgra = new byte[width * height * 4];
        Paint(row, width, height, channels, min, max, bgra, width * 4, 0, 0);
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, bgra);
    }

    /// <summary>Writes the rows as a grid of tiles (<paramref name="columns"/> per line, 1-pixel gaps) to a PNG file,
    /// atomically (temporary file, then rename).</summary>
    public static void SaveGrid(IReadOnlyList<float[]> rows, int width, int height, string path, int channels = 1,
        float min = 0, float max = 255, int columns = 10, int scale = 1)
    {
        if (rows.Count == 0) throw new ArgumentException("No images to write.", nameof(rows));
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be >= 1.");
        columns = Math.Min(columns, rows.Count);
        int lines = (rows.Count + columns - 1) / columns;
        int tileW = width * scale + 1, tileH = height * scale + 1;
        int gridW = columns * tileW + 1, gridH = lines * tileH + 1;
        var bgra = new byte[gridW * gridH * 4];
        for (int i = 0; i < bgra.Length; i += 4)
        {
            bgra[i] = bgra[i + 1] = bgra[i + 2] = 64;
            bgra[i + 3] = 255;
        }
        for (int k = 0; k < rows.Count; k++)
        {
            var tile = new byte[width * height * 4];
            Paint(rows[k], width, height, channels, min, max, tile, width * 4, 0, 0);
            int ox = 1 + (k % columns) * tileW, oy = 1 + (k / columns) * tileH;
            for (int y = 0; y < height * scale; y++)
                for (int x = 0; x < width * scale; x++)
                    Buffer.BlockCopy(tile, ((y / scale) * width + x / scale) * 4,
                        bgra, ((oy + y) * gridW + ox + x) * 4, 4);
        }
        using var image = MLImage.CreateFromPixels(gridW, gridH, MLPixelFormat.Bgra32, bgra);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8] + ".png";
        try
        {
            image.Save(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Writes lines of rows as one PNG (line k of the picture holds <paramref name="lines"/>[k]; shorter lines leave
    /// gray tiles), atomically. Used for sample rows per temperature, input/reconstruction pairs, interpolation frames
    /// and original/masked/filled inpainting rows.
    /// </summary>
    public static void SaveLines(IReadOnlyList<IReadOnlyList<float[]>> lines, int width, int height, string path,
        int channels = 1, float min = 0, float max = 255, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0 || lines.Any(l => l is null || l.Count == 0))
            throw new ArgumentException("Every line needs at least one image.", nameof(lines));
        int columns = lines.Max(l => l.Count);
        var gray = new float[channels * width * height];
        Array.Fill(gray, float.NaN);
        var rows = new List<float[]>();
        foreach (var line in lines)
            for (int j = 0; j < columns; j++) rows.Add(j < line.Count ? line[j] : gray);
        SaveGrid(rows, width, height, path, channels, min, max, columns, scale);
    }

    private static void Paint(float[] row, int width, int height, int channels, float min, float max, byte[] bgra,
        int stride, int ox, int oy)
    {
        if (channels != 1 && channels != 3)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 (gray) or 3 (RGB).");
        if (row.Length != channels * width * height)
            throw new ArgumentException($"A row has {row.Length} values; {channels}×{height}×{width} = " +
                $"{channels * width * height} expected.", nameof(row));
        if (!(max > min)) throw new ArgumentException($"max ({max}) must be greater than min ({min}).");
        int plane = width * height;
        byte Level(float v)
            => float.IsNaN(v) ? (byte)64 : (byte)Math.Clamp((int)MathF.Round((v - min) / (max - min) * 255f), 0, 255);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int p = y * width + x, o = (oy + y) * stride + (ox + x) * 4;
                byte r = Level(row[p]), g = channels == 3 ? Level(row[plane + p]) : r, b = channels == 3
                    ? Level(row[2 * plane + p]) : r;
                bgra[o] = b; bgra[o + 1] = g; bgra[o + 2] = r; bgra[o + 3] = 255;
            }
    }
}
