using System;
using System.IO;
using System.IO.Compression;

namespace Nice.MLNet.Cli.Bench;

/// <summary>Reads Fashion-MNIST's idx image files (as installed by the Debian package dataset-fashion-mnist).</summary>
public static class FashionMnist
{
    public const string TrainImages = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";

    /// <summary>Up to <paramref name="maxRows"/> images as rows of 784 pixel values 0..255.</summary>
    public static float[] LoadImages(string path, int maxRows)
    {
        using var s = new BinaryReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        int magic = ReadBigEndian(s), n = ReadBigEndian(s), rows = ReadBigEndian(s), cols = ReadBigEndian(s);
        if (magic != 0x803) throw new InvalidDataException($"{path}: not an idx3 image file (magic 0x{magic:x}).");
        int take = Math.Min(n, maxRows), d = rows * cols;
        var bytes = s.ReadBytes(take * d);
        var result = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) result[i] = bytes[i];
        return result;
    }

    private static int ReadBigEndian(BinaryReader r)
    {
        var b = r.ReadBytes(4);
        return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    }
}
