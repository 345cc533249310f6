using System;

namespace Nice.MLNet.Images;

/// <summary>
/// How a model's input vector of D = <see cref="Channels"/>·<see cref="Height"/>·<see cref="Width"/> values is laid out
/// as a picture: planar C×H×W, channel planes R, G, B (or one gray plane) — the layout of ML.NET's <c>ExtractPixels</c>
/// with its defaults (<c>interleavePixelColors: false</c>, <c>orderOfExtraction: ARGB</c>).
/// </summary>
/// <param name="Width">Pixels per line, ≥ 1.</param>
/// <param name="Height">Lines, ≥ 1.</param>
/// <param name="Channels">1 (gray) or 3 (R, G, B planes).</param>
public sealed record NiceImageShape(int Width, int Height, int Channels = 1)
{
    /// <summary>
    /// Input value drawn as black (0), or null to take it from the model's dequantization: the input value of level 0,
    /// <see cref="NiceOptions.QuantizationOffset"/>. Required (with <see cref="Max"/>) for a model without
    /// dequantization.
    /// </summary>
    public float? Min { get; init; }

    /// <summary>
    /// Input value drawn as white (255), or null to take it from the model's dequantization: the input value of the top
    /// level, Offset + (L − 1)·Step. Required (with <see cref="Min"/>) for a model without dequantization.
    /// </summary>
    public float? Max { get; init; }

    /// <summary>D = Channels × Height × Width.</summary>
    public int Dimension => Channels * Height * Width;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid property.</summary>
    public void Validate()
    {
        if (Width < 1)
            throw new ArgumentOutOfRangeException(nameof(Width), Width, "NiceImageShape.Width must be >= 1.");
        if (Height < 1)
            throw new ArgumentOutOfRangeException(nameof(Height), Height, "NiceImageShape.Height must be >= 1.");
        if (Channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(Channels), Channels,
                "NiceImageShape.Channels must be 1 (gray) or 3 (RGB).");
        if (Min.HasValue != Max.HasValue)
            throw new ArgumentException("NiceImageShape.Min and Max must be set together.", nameof(Min));
        if (Min is float lo && Max is float hi && !(hi > lo))
            throw new ArgumentException($"NiceImageShape.Max ({hi}) must be greater than Min ({lo}).", nameof(Max));
    }
}
