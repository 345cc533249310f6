using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// Embeddings of a whole image set in one file: N x 512 float32, little-endian, row after row, no header (the row count is the
/// length / 2048). Written batch by batch and flushed, so an interrupted run resumes where it stopped; a trailing partial row
/// (a write cut short) is dropped on resume.
/// </summary>
public static class EmbeddingCache
{
    private const int RowBytes = ImagePipeline.FeatureDimension * sizeof(float);

    public static string PathOf(string directory, GrayImages images) => Path.Combine(directory, images.Name + ".resnet18.f32");

    /// <summary>Featurizes the rows of <paramref name="images"/> not yet in the file, with ML.NET's image steps and batched ONNX Runtime.</summary>
    public static void Fill(GrayImages images, string path, ResNetBatchFeaturizer featurizer, int batch, TextWriter log)
        => Fill(images, path, featurizer.Run, ImagePipeline.FeatureDimension, batch, log);

    /// <summary>The same with any batch featurizer giving <paramref name="width"/> floats per image (rows of width x 4 bytes).</summary>
    public static void Fill(GrayImages images, string path, Func<float[], int, float[]> run, int width, int batch, TextWriter log)
    {
        int rowBytes = width * sizeof(float);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        long length = File.Exists(path) ? new FileInfo(path).Length : 0;
        int done = (int)(length / rowBytes);
        if (length % rowBytes != 0)
            using (var trim = new FileStream(path, FileMode.Open)) trim.SetLength((long)done * rowBytes);
        if (done >= images.Count)
        {
            log.WriteLine($"{path}: complete ({images.Count} rows).");
            return;
        }
        log.WriteLine($"{path}: {done} of {images.Count} rows cached; featurizing the rest in batches of {batch}.");
        var ml = new MLContext(0);
        var source = ImagePipeline.InMemory(ml, images, done, images.Count - done);
        var pixels = ImagePipeline.PixelSteps(ml).Fit(source).Transform(source);
        var buffer = new float[batch * ImagePipeline.Pixels];
        int filled = 0, written = done;
        var clock = Stopwatch.StartNew();
        double onnxSeconds = 0;
        using var file = new FileStream(path, FileMode.Append, FileAccess.Write);
        void Flush()
        {
            var t = Stopwatch.StartNew();
            var features = run(buffer, filled);
            onnxSeconds += t.Elapsed.TotalSeconds;
            var bytes = new byte[features.Length * sizeof(float)];
            Buffer.BlockCopy(features, 0, bytes, 0, bytes.Length);
            file.Write(bytes);
            file.Flush();
            written += filled;
            filled = 0;
            int since = written - done;
            if (since % (batch * 20) == 0 || written == images.Count)
                log.WriteLine($"  {written,6}/{images.Count}  {since / clock.Elapsed.TotalSeconds,6:F1} images/s overall, ONNX share {onnxSeconds / clock.Elapsed.TotalSeconds:P0}, {DateTime.Now:HH:mm:ss}");
        }
        foreach (var row in ImagePipeline.Column(pixels, "Pixels"))
        {
            Array.Copy(row, 0, buffer, filled * ImagePipeline.Pixels, ImagePipeline.Pixels);
            if (++filled == batch) Flush();
        }
        if (filled > 0) Flush();
        log.WriteLine($"{path}: {written - done} rows in {clock.Elapsed.TotalSeconds:F0} s ({(written - done) / clock.Elapsed.TotalSeconds:F1} images/s).");
    }

    /// <summary>The rows cached so far (a prefix of the set while `embed` is still running).</summary>
    public static float[][] LoadPrefix(string path, int maxRows, int width = ImagePipeline.FeatureDimension)
    {
        int rowBytes = width * sizeof(float);
        if (!File.Exists(path)) return Array.Empty<float[]>();
        int rows = (int)Math.Min(maxRows, new FileInfo(path).Length / rowBytes);
        var bytes = new byte[(long)rows * rowBytes];
        using (var file = File.OpenRead(path)) file.ReadExactly(bytes);
        return Enumerable.Range(0, rows).Select(i =>
        {
            var row = new float[width];
            Buffer.BlockCopy(bytes, i * rowBytes, row, 0, rowBytes);
            return row;
        }).ToArray();
    }

    /// <summary>The cached rows; refuses a file that does not hold exactly <paramref name="expectedRows"/> rows.</summary>
    public static float[][] Load(string path, int expectedRows)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no embedding cache; run `image-features embed` first.", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != (long)expectedRows * RowBytes)
            throw new InvalidDataException($"{path}: {bytes.Length / (double)RowBytes:F1} rows cached, expected {expectedRows} (an unfinished `embed`?).");
        var rows = new float[expectedRows][];
        for (int i = 0; i < expectedRows; i++)
        {
            rows[i] = new float[ImagePipeline.FeatureDimension];
            Buffer.BlockCopy(bytes, i * RowBytes, rows[i], 0, RowBytes);
        }
        return rows;
    }
}
