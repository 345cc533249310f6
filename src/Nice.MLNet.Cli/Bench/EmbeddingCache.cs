using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Nice.MLNet.Images;

namespace Nice.MLNet.Cli.Bench;

/// <summary>
/// ResNet-18 embeddings of a whole image set in one file: N × 512 (or 6,656 with the grid layout) float32,
/// little-endian, row after row, no header (the row count is length / (4 × width)). Written in chunks and flushed, so
/// an interrupted run resumes where it stopped (a partial last row is dropped). Computed with the library's public
/// featurizer (<see cref="NiceImageFeatures"/>: ML.NET's ResizeImages, ExtractPixels and DnnFeaturizeImage). Files from
/// the phase-1 prototype (benchmarks/ImageFeatures, batched ONNX Runtime) are the same bytes: its check found the two
/// paths identical.
/// </summary>
public static class EmbeddingCache
{

    /// <summary>The default folder: out/embeddings in the repository (not committed).</summary>
    public static string DefaultFolder => Datasets.Repo.File(Path.Combine("out", "embeddings"));

    /// <summary>Featurization speed of the last <see cref="Load"/> that computed rows (images, wall s, CPU
    /// s).</summary>
    public static (int Images, double Seconds, double CpuSeconds) LastFill { get; private set; }

    private sealed class ImageRow
    {
        [ImageType(28, 28)] public MLImage Image { get; set; } = null!;
    }

    /// <summary>28×28 gray images as an "Image" column of in-memory <see cref="MLImage"/>s (made as rows are
    /// read).</summary>
    public static IDataView ImageView(MLContext ml, byte[][] images)
        => ml.Data.LoadFromEnumerable(
            images.Select(g => new ImageRow { Image = NiceImageFeatures.GrayImage(g, 28, 28) }));

    /// <summary>
    /// The embeddings of <paramref name="images"/> (28×28 gray bytes each), from <paramref name="path"/>, featurizing
    /// with <paramref name="featurizer"/> (a fitted <see cref="NiceImageFeatures.Featurizer"/>) the rows not cached
    /// yet.
    /// </summary>
    public static float[][] Load(string path, byte[][] images, ITransformer featurizer, MLContext ml, TextWriter log,
        int chunk = 256, int width = NiceImageFeatures.EmbeddingSize)
    {
        int RowBytes = width * sizeof(float);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        long length = File.Exists(path) ? new FileInfo(path).Length : 0;
        // Only a partial last row (an interrupted write) is dropped; rows past this run's images (a reduced run on a
        // cache of the whole set) are kept.
        long whole = length / RowBytes;
        if (length != whole * RowBytes)
            using (var trim = new FileStream(path, FileMode.Open)) trim.SetLength(whole * RowBytes);
        int done = (int)Math.Min(images.Length, whole);
        if (done < images.Length)
        {
            log.WriteLine($"{path}: {done} of {images.Length} embeddings cached; featurizing the rest (ResNet-18 on "
                + $"224x224, chunks of {chunk}) ...");
            var clock = Stopwatch.StartNew();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            using var file = new FileStream(path, FileMode.Append, FileAccess.Write);
            for (int start = done; start < images.Length; start += chunk)
            {
                int n = Math.Min(chunk, images.Length - start);
                var view = ImageView(ml, images[start..(start + n)]);
                foreach (var row in featurizer.Transform(view).GetColumn<float[]>("ImageEmbedding"))
                {
                    var bytes = new byte[RowBytes];
                    Buffer.BlockCopy(row, 0, bytes, 0, RowBytes);
                    file.Write(bytes);
                }
                file.Flush();
                int total = start + n - done;
                if ((start + n) % (chunk * 8) == 0 || start + n == images.Length)
                    log.WriteLine($"  {start + n,6}/{images.Length}  {total / clock.Elapsed.TotalSeconds,5:F1} "
                        + $"images/s  {DateTime.Now:HH:mm:ss}");
            }
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            LastFill = (images.Length - done, clock.Elapsed.TotalSeconds, cpuSeconds);
        }
        return Read(path, images.Length, width);
    }

    /// <summary>The first <paramref name="rows"/> cached rows.</summary>
    public static float[][] Read(string path, int rows, int width = NiceImageFeatures.EmbeddingSize)
    {
        int RowBytes = width * sizeof(float);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < (long)rows * RowBytes)
            throw new InvalidDataException($"{path}: {bytes.Length / RowBytes} embeddings cached, {rows} needed.");
        var result = new float[rows][];
        for (int i = 0; i < rows; i++)
        {
            result[i] = new float[width];
            Buffer.BlockCopy(bytes, i * RowBytes, result[i], 0, RowBytes);
        }
        return result;
    }
}
