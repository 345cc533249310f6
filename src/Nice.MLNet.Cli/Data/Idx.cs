using System;
using System.IO;
using System.IO.Compression;

namespace Nice.MLNet.Cli.Data;

/// <summary>Reads the IDX format of MNIST and Fashion-MNIST (optionally gzip'd): images as bytes, labels as bytes.</summary>
public static class Idx
{
    /// <summary>Where the Debian package dataset-fashion-mnist puts the files.</summary>
    public const string FashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>Images of an IDX3 file: (count, rows, columns, pixels row-major, one byte each).</summary>
    public static (int Count, int Rows, int Columns, byte[] Pixels) ReadImages(string path, int? limit = null)
    {
        using var reader = Open(path);
        int magic = ReadInt(reader, path);
        if (magic != 0x00000803) throw new InvalidDataException($"{path}: not an IDX3 image file (magic 0x{magic:X8}, expected 0x00000803).");
        int count = ReadInt(reader, path), rows = ReadInt(reader, path), cols = ReadInt(reader, path);
        if (count < 0 || rows <= 0 || cols <= 0) throw new InvalidDataException($"{path}: bad header ({count} images of {rows}x{cols}).");
        int n = Math.Min(count, limit ?? count);
        var pixels = ReadExactly(reader, checked(n * rows * cols), path);
        return (n, rows, cols, pixels);
    }

    /// <summary>Labels of an IDX1 file.</summary>
    public static byte[] ReadLabels(string path, int? limit = null)
    {
        using var reader = Open(path);
        int magic = ReadInt(reader, path);
        if (magic != 0x00000801) throw new InvalidDataException($"{path}: not an IDX1 label file (magic 0x{magic:X8}, expected 0x00000801).");
        int count = ReadInt(reader, path);
        return ReadExactly(reader, Math.Min(count, limit ?? count), path);
    }

    /// <summary>
    /// A split ("train" or "t10k") of an MNIST-format folder: pixels as floats 0…255 (N×784) and labels.
    /// Accepts the files gzip'd (train-images-idx3-ubyte.gz) or not.
    /// </summary>
    public static (float[] Pixels, byte[] Labels, int Rows, int Columns) LoadSplit(string folder, string split, int? limit = null)
    {
        string Find(string stem)
        {
            foreach (var name in new[] { stem + ".gz", stem })
            {
                var p = Path.Combine(folder, name);
                if (File.Exists(p)) return p;
            }
            throw new FileNotFoundException($"{Path.Combine(folder, stem)}(.gz) not found. For Fashion-MNIST on Debian: apt-get install dataset-fashion-mnist (./run.sh does it).", stem);
        }
        var (count, rows, cols, bytes) = ReadImages(Find($"{split}-images-idx3-ubyte"), limit);
        var labels = ReadLabels(Find($"{split}-labels-idx1-ubyte"), limit);
        if (labels.Length != count) throw new InvalidDataException($"{folder}: {count} {split} images but {labels.Length} labels.");
        var pixels = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) pixels[i] = bytes[i];
        return (pixels, labels, rows, cols);
    }

    private static BinaryReader Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        Stream s = File.OpenRead(path);
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) s = new GZipStream(s, CompressionMode.Decompress);
        return new BinaryReader(new BufferedStream(s, 1 << 16));
    }

    private static int ReadInt(BinaryReader r, string path)
    {
        var b = ReadExactly(r, 4, path);
        return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    }

    private static byte[] ReadExactly(BinaryReader r, int n, string path)
    {
        var b = r.ReadBytes(n);
        if (b.Length != n) throw new InvalidDataException($"{path}: truncated (wanted {n} more bytes, got {b.Length}).");
        return b;
    }
}
