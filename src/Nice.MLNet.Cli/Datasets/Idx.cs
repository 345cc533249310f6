using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Nice.MLNet.Cli.Datasets;

/// <summary>
/// Reader of the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian header — two
/// zero bytes, the element type (0x08 = unsigned byte), the number of dimensions — then each dimension's size as a
/// big-endian int32, then the data row-major. Files may be gzip'd (by the ".gz" extension). Every error names the file.
/// </summary>
public static class Idx
{
    /// <summary>Where the Debian package dataset-fashion-mnist puts the files.</summary>
    public const string FashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>
    /// A split ("train" or "t10k") of an MNIST-format folder: pixels as floats 0…255 (N×rows·columns, row-major) and
    /// labels, the first <paramref name="limit"/> rows when given. Accepts the files gzip'd
    /// (train-images-idx3-ubyte.gz) or not.
    /// </summary>
    public static (float[] Pixels, byte[] Labels, int Rows, int Columns) LoadSplit(string folder, string split,
        int? limit = null)
    {
        string Find(string stem)
        {
            foreach (var name in new[] { stem + ".gz", stem })
            {
                var p = Path.Combine(folder, name);
                if (File.Exists(p)) return p;
            }
            throw new FileNotFoundException($"{Path.Combine(folder, stem)}(.gz) not found. For Fashion-MNIST on "
                + $"Debian: apt-get install dataset-fashion-mnist (./run.sh does it).", stem);
        }
        var images = ReadImages(Find($"{split}-images-idx3-ubyte"));
        var labels = ReadLabels(Find($"{split}-labels-idx1-ubyte"));
        if (labels.Length != images.Count) throw new InvalidDataException($"{folder}: {images.Count} {split} images "
            + $"but {labels.Length} labels.");
        int n = Math.Min(images.Count, limit ?? images.Count);
        var pixels = new float[(long)n * images.Dimension];
        for (long i = 0; i < pixels.Length; i++) pixels[i] = images.Pixels[i];
        return (pixels, labels[..n], images.Height, images.Width);
    }

    /// <summary>An IDX3 file of unsigned-byte images: N images of Height×Width pixels, row-major, in <see
    /// cref="Pixels"/>.</summary>
    public sealed record Images(byte[] Pixels, int Count, int Height, int Width)
    {
        public int Dimension => Height * Width;
    }

    /// <summary>Reads an IDX3 unsigned-byte image file (magic 0x00000803).</summary>
    public static Images ReadImages(string path)
    {
        var (dims, data) = Read(path, expectedDimensions: 3);
        return new Images(data, dims[0], dims[1], dims[2]);
    }

    /// <summary>Reads an IDX1 unsigned-byte label file (magic 0x00000801).</summary>
    public static byte[] ReadLabels(string path) => Read(path, expectedDimensions: 1).Data;

    private static (int[] Dims, byte[] Data) Read(string path, int expectedDimensions)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        byte[] bytes;
        try
        {
            using var file = File.OpenRead(path);
            using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file,
                CompressionMode.Decompress) : file;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            bytes = memory.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a valid gzip file ({e.Message}).", e);
        }
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file (the first two bytes must be 0).");
        if (bytes[2] != 0x08)
            throw new InvalidDataException($"{path}: IDX element type 0x{bytes[2]:X2}; only unsigned bytes (0x08) are "
                + $"supported.");
        if (bytes[3] != expectedDimensions)
            throw new InvalidDataException($"{path}: IDX file with {bytes[3]} dimensions; expected "
                + $"{expectedDimensions} ({(expectedDimensions == 3 ? "images" : "labels")}).");
        int header = 4 + 4 * expectedDimensions;
        if (bytes.Length < header) throw new InvalidDataException($"{path}: truncated IDX header.");
        var dims = new int[expectedDimensions];
        long size = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (dims[i] < 0) throw new InvalidDataException($"{path}: negative dimension {dims[i]}.");
            size *= dims[i];
        }
        if (bytes.Length - header != size)
            throw new InvalidDataException($"{path}: the header announces {string.Join("x", dims)} = {size} bytes of "
                + $"data, the file has {bytes.Length - header}.");
        return (dims, bytes.AsSpan(header).ToArray());
    }
}
