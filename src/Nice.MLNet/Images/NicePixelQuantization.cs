using System;

namespace Nice.MLNet.Images;

/// <summary>Sets <see cref="NiceOptions"/>' 8-bit dequantization to match pixels produced by ML.NET's
/// <c>ExtractPixels</c>.</summary>
public static class NicePixelQuantization
{
    /// <summary>
    /// For an input column made by <c>mlContext.Transforms.ExtractPixels(..., offsetImage, scaleImage)</c>, which
    /// writes value = (pixel − offsetImage) × scaleImage for each 8-bit pixel level k = pixel ∈ {0, …, 255}: sets
    /// <see cref="NiceOptions.DequantizationLevels"/> = <paramref name="levels"/>,
    /// <see cref="NiceOptions.QuantizationStep"/> = scaleImage and <see cref="NiceOptions.QuantizationOffset"/> =
    /// −offsetImage × scaleImage, so that value = k·Step + Offset. The flow then sees x = (k + u)/256, log-likelihoods
    /// are densities on [0,1]ᴰ in nats (as in Dinh et al., arXiv:1410.8516, §5) and bits/dim are on the [0, 256) scale
    /// — the same numbers as for the raw bytes with Step 1, whatever scale and offset the pipeline used.
    /// </summary>
    /// <param name="options">The options to change (returned for chaining).</param>
    /// <param name="scaleImage">ExtractPixels' scaleImage, &gt; 0 (1/255 maps pixels to [0, 1]; 1 keeps 0…255).</param>
    /// <param name="offsetImage">ExtractPixels' offsetImage (subtracted before scaling; 0 by default, 127.5 with scale
    /// 1/127.5 gives [−1, 1]).</param>
    /// <param name="levels">Quantization levels of the pixels, ≥ 2. Default 256 (8-bit).</param>
    /// <example><code>
    /// var pipeline = ml.Transforms.LoadImages("Image", folder, "Path")
    ///     .Append(ml.Transforms.ResizeImages("Image", 14, 14))
    ///     .Append(ml.Transforms.ExtractPixels("Features", "Image", scaleImage: 1f / 255))
    ///     .Append(ml.Transforms.Nice(new NiceOptions { HiddenWidth = 256 }
    ///         .WithPixelQuantization(scaleImage: 1f / 255)));
    /// </code></example>
    public static NiceOptions WithPixelQuantization(this NiceOptions options, float scaleImage = 1f / 255,
        float offsetImage = 0, int levels = 256)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(scaleImage > 0) || float.IsInfinity(scaleImage))
            throw new ArgumentOutOfRangeException(nameof(scaleImage), scaleImage,
                "scaleImage must be a finite number > 0 (NICE's dequantization needs increasing levels).");
        if (!float.IsFinite(offsetImage))
            throw new ArgumentOutOfRangeException(nameof(offsetImage), offsetImage, "offsetImage must be finite.");
        if (levels < 2)
            throw new ArgumentOutOfRangeException(nameof(levels), levels,
                "levels must be >= 2 (256 for 8-bit pixels).");
        options.DequantizationLevels = levels;
        options.QuantizationStep = scaleImage;
        options.QuantizationOffset = -(double)offsetImage * scaleImage;
        return options;
    }
}
