using System;
using System.IO;
using System.Linq;
using Microsoft.ML.Data;
using Nice.MLNet.Cli.Datasets;

namespace Nice.MLNet.Tests.Images;

/// <summary>Real pictures written as PNG files into a temporary folder: Fashion-MNIST 28×28 when installed, else the committed 8×8 digits.</summary>
internal sealed class ImageFiles : IDisposable
{
    public sealed class PathRow
    {
        public string Path = "";
    }

    private ImageFiles(string folder, string[] names, byte[][] pixels, int size, int target)
    {
        Folder = folder;
        Names = names;
        Pixels = pixels;
        Size = size;
        Target = target;
    }

    /// <summary>The temporary folder holding the PNGs.</summary>
    public string Folder { get; }

    /// <summary>File names, relative to <see cref="Folder"/>.</summary>
    public string[] Names { get; }

    /// <summary>The written gray levels per image (row-major Size×Size) — for RGB files the red plane.</summary>
    public byte[][] Pixels { get; }

    /// <summary>Side of the source pictures (28 or 8).</summary>
    public int Size { get; }

    /// <summary>A smaller side to resize to in tests (14 for Fashion-MNIST, 8 for digits).</summary>
    public int Target { get; }

    public PathRow[] Rows => Names.Select(n => new PathRow { Path = n }).ToArray();

    /// <summary>
    /// Writes <paramref name="count"/> images. Gray files have R = G = B = the level; <paramref name="rgb"/> files are tinted so the
    /// planes differ: R = v, G = 255 − v, B = v/2.
    /// </summary>
    public static ImageFiles Write(int count, bool rgb = false, int skip = 0)
    {
        var (pixels, size, target) = Load(count + skip);
        var folder = Path.Combine(Path.GetTempPath(), "nice-images-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var names = new string[count];
        var kept = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            var p = pixels[i + skip];
            var bgra = new byte[size * size * 4];
            for (int j = 0; j < p.Length; j++)
            {
                byte v = p[j];
                bgra[4 * j] = rgb ? (byte)(v / 2) : v;
                bgra[4 * j + 1] = rgb ? (byte)(255 - v) : v;
                bgra[4 * j + 2] = v;
                bgra[4 * j + 3] = 255;
            }
            names[i] = $"img{i:D4}.png";
            using var image = MLImage.CreateFromPixels(size, size, MLPixelFormat.Bgra32, bgra);
            image.Save(Path.Combine(folder, names[i]));
            kept[i] = p;
        }
        return new ImageFiles(folder, names, kept, size, target);
    }

    public static bool HasFashionMnist => File.Exists(Path.Combine(Idx.FashionMnistFolder, "train-images-idx3-ubyte.gz"))
        || File.Exists(Path.Combine(Idx.FashionMnistFolder, "train-images-idx3-ubyte"));

    private static (byte[][] Pixels, int Size, int Target) Load(int count)
    {
        if (HasFashionMnist)
        {
            var (px, _, rows, cols) = Idx.LoadSplit(Idx.FashionMnistFolder, "train", count);
            int d = rows * cols;
            return (Enumerable.Range(0, count).Select(i => px.AsSpan(i * d, d).ToArray().Select(v => (byte)v).ToArray()).ToArray(), rows, rows / 2);
        }
        var (pixels, _) = Digits.Load();
        return (Enumerable.Range(0, count).Select(i => pixels.AsSpan(i * 64, 64).ToArray()
            .Select(v => (byte)Math.Round(v * 255.0 / 16)).ToArray()).ToArray(), 8, 8);
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
