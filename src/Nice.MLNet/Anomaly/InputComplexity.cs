using System;
using System.IO;
using System.IO.Compression;

namespace Nice.MLNet.Anomaly;

/// <summary>
/// L(x) of Serrà et al. 2020: the length in bits of a row compressed losslessly after quantizing it to bytes. Values
/// are mapped to levels k = round((v − Offset)/Step) clamped to [0, Levels); with more than 256 levels k is rescaled to
/// 0…255. When <see cref="ImageWidth"/> &gt; 0 the bytes are PNG-filtered first (per image row, the filter among
/// None/Sub/Up/Average/Paeth with the smallest sum of absolute signed bytes, as libpng does; the filter's type byte is
/// kept), so Deflate gives PNG's IDAT stream (PNG's fixed headers and CRCs are a constant and left out). L(x) = 8 ×
/// compressed bytes. <see cref="ModelLevels"/> is the NICE model's dequantization levels (0 = none), which set its
/// bits/dim scale. Thread-safe.
/// </summary>
internal sealed partial record InputComplexity(int Levels, double Step, double Offset,
    NiceComplexityCompressor Compressor, int ImageWidth, int ModelLevels)
{
    /// <summary>S(x) = bits/dim(x) − L(x)/D, from log p(x) in nats (NaN stays NaN; the scorer maps it to +∞).</summary>
    public float Score(float logLikelihood, ReadOnlySpan<float> row)
    {
        if (float.IsNaN(logLikelihood)) return float.NaN;
        return (float)(Flow.Units.BitsPerDim(logLikelihood, row.Length, ModelLevels) - Bits(row) / row.Length);
    }

    /// <summary>Compressed length of <paramref name="row"/> in bits.</summary>
    public double Bits(ReadOnlySpan<float> row)
    {
        var bytes = Quantize(row);
        if (ImageWidth > 0) bytes = PngFilter(bytes, ImageWidth);
        return 8.0 * Compress(bytes);
    }

    /// <summary>The row as bytes (levels, rescaled to 0…255 when there are more than 256).</summary>
    public byte[] Quantize(ReadOnlySpan<float> row)
    {
        var bytes = new byte[row.Length];
        for (int j = 0; j < row.Length; j++)
        {
            double v = row[j];
            double k = double.IsFinite(v) ? Math.Clamp(Math.Round((v - Offset) / Step), 0, Levels - 1) : 0;
            if (Levels > 256) k = Math.Round(k * 255.0 / (Levels - 1));
            bytes[j] = (byte)k;
        }
        return bytes;
    }

    private int Compress(byte[] bytes)
    {
        if (Compressor == NiceComplexityCompressor.Brotli)
        {
            var output = new byte[BrotliEncoder.GetMaxCompressedLength(bytes.Length)];
            if (!BrotliEncoder.TryCompress(bytes, output, out int written, quality: 11, window: 22))
                throw new InvalidOperationException("Brotli compression failed.");
            return written;
        }
        using var stream = new MemoryStream();
        using (var deflate = new DeflateStream(stream, CompressionLevel.SmallestSize, leaveOpen: true))
            deflate.Write(bytes);
        return (int)stream.Length;
    }

    /// <summary>PNG filtering (ISO/IEC 15948 §9) of one 8-bit grey image of the given width: per row a filter type byte
    /// and the filtered bytes.</summary>
    internal static byte[] PngFilter(byte[] image, int width)
    {
        if (image.Length % width != 0)
            throw new ArgumentException($"ImageWidth {width} does not divide the row length {image.Length}.");
        int height = image.Length / width;
        var result = new byte[height * (width + 1)];
        var candidate = new byte[width];
        var best = new byte[width];
        for (int y = 0; y < height; y++)
        {
            long bestCost = long.MaxValue;
            byte bestType = 0;
            for (byte type = 0; type <= 4; type++)
            {
                long cost = 0;
                for (int x = 0; x < width; x++)
                {
                    int raw = image[y * width + x];
                    int a = x > 0 ? image[y * width + x - 1] : 0;
                    int b = y > 0 ? image[(y - 1) * width + x] : 0;
                    int c = x > 0 && y > 0 ? image[(y - 1) * width + x - 1] : 0;
                    int predicted = type switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, _ => Paeth(a, b, c) };
                    byte f = (byte)(raw - predicted);
                    candidate[x] = f;
                    int signed = (sbyte)f;
                    cost += signed < 0 ? -signed : signed; // Math.Abs(sbyte.MinValue) would overflow
                }
                if (cost < bestCost) { bestCost = cost; bestType = type; candidate.CopyTo(best, 0); }
            }
            result[y * (width + 1)] = bestType;
            best.CopyTo(result, y * (width + 1) + 1);
        }
        return result;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
