namespace Nice.MLNet.Anomaly;

/// <summary>The general-purpose lossless compressor that measures L(x) for
/// <see cref="NiceAnomalyScore.InputComplexity"/>.</summary>
public enum NiceComplexityCompressor
{
    /// <summary>Deflate (RFC 1951, <see cref="System.IO.Compression.DeflateStream"/> at
    /// <c>CompressionLevel.SmallestSize</c>), the compressor inside PNG. Default.</summary>
    Deflate = 0,

    /// <summary>Brotli (RFC 7932, <see cref="System.IO.Compression.BrotliEncoder"/> at quality 11, window
    /// 22).</summary>
    Brotli = 1,
}
