using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Data;

namespace Nice.MLNet.Images;

/// <summary>
/// Pictures from a NICE model of images (Dinh, Krueger &amp; Bengio, arXiv:1410.8516), as extension methods of
/// <see cref="NiceTransformer"/>: samples, reconstructions, latent interpolations and the scaling vector as a picture
/// (§3.3); inpainting (§5.2) is in <see cref="NiceInpaintingExtensions"/>. Rows are planar C×H×W as ExtractPixels
/// writes them; values are mapped to 0…255 by <see cref="PixelRange"/>.
/// </summary>
public static class NiceImageExtensions
{
    /// <summary>
    /// The input values drawn as black and white: <see cref="NiceImageShape.Min"/>/<see cref="NiceImageShape.Max"/>
    /// when set, otherwise from the dequantization, [Offset, Offset + (L − 1)·Step] (e.g. [0, 1] after ExtractPixels
    /// with scale 1/255, [0, 255] for bytes). Throws when the shape does not have D values or when neither is
    /// available.
    /// </summary>
    public static (float Min, float Max) PixelRange(this NiceTransformer model, NiceImageShape shape)
    {
        CheckShape(model, shape);
        if (shape.Min is float lo && shape.Max is float hi) return (lo, hi);
        if (model.Dequantization is not { } dq)
            throw new ArgumentException("The model has no dequantization, so its pixel range is unknown: set " +
                "NiceImageShape.Min and Max.", nameof(shape));
        return ((float)dq.Offset, (float)(dq.Offset + (dq.Levels - 1) * dq.Step));
    }

    /// <summary>One row as an opaque picture (alpha 255), values mapped by <see cref="PixelRange"/>.</summary>
    public static MLImage ToImage(this NiceTransformer model, float[] row, NiceImageShape shape)
    {
        var (lo, hi) = model.PixelRange(shape);
        return NiceImages.ToImage(row, shape.Width, shape.Height, shape.Channels, lo, hi);
    }

    /// <summary>Writes lines of rows as one PNG grid (line k of the picture = <paramref name="lines"/>[k]),
    /// atomically.</summary>
    public static void SaveImageGrid(this NiceTransformer model, string path, NiceImageShape shape,
        IReadOnlyList<IReadOnlyList<float[]>> lines, int scale = 1)
    {
        var (lo, hi) = model.PixelRange(shape);
        NiceImages.SaveLines(lines, shape.Width, shape.Height, path, shape.Channels, lo, hi, scale);
    }

    /// <summary>
    /// <see cref="NiceTransformer.Sample"/> as pictures: x = f⁻¹(h), h ~ p_H with standard deviations ×
    /// <paramref name="temperature"/>.
    /// </summary>
    public static MLImage[] SampleImages(this NiceTransformer model, NiceImageShape shape, int count,
        double temperature = 1.0, int seed = 0)
    {
        model.PixelRange(shape);
        return model.Sample(count, temperature, seed).Select(r => model.ToImage(r, shape)).ToArray();
    }

    /// <summary>
    /// Writes a PNG with one line of <paramref name="perTemperature"/> samples for each temperature (seed + line
    /// number).
    /// </summary>
    public static void SaveSampleGrid(this NiceTransformer model, string path, NiceImageShape shape,
        IReadOnlyList<double> temperatures, int perTemperature = 10, int seed = 0, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(temperatures);
        var lines = temperatures
            .Select((t, k) => (IReadOnlyList<float[]>)model.Sample(perTemperature, t, seed + k))
            .ToArray();
        model.SaveImageGrid(path, shape, lines, scale);
    }

    /// <summary>
    /// x̂ = f⁻¹(f(x)) of each row: the input again up to float rounding (and, with dequantization, rounded to its
    /// level).
    /// </summary>
    public static float[][] Reconstruct(this NiceTransformer model, IReadOnlyList<float[]> rows)
        => model.Inverse(model.Encode(rows));

    /// <summary>Writes a PNG with the inputs on the first line and their reconstructions f⁻¹(f(x)) on the
    /// second.</summary>
    public static void SaveReconstructionGrid(this NiceTransformer model, string path, NiceImageShape shape,
        IReadOnlyList<float[]> rows, int scale = 1)
        => model.SaveImageGrid(path, shape, new IReadOnlyList<float[]>[] { rows, model.Reconstruct(rows) }, scale);

    /// <summary>
    /// <paramref name="steps"/> frames from <paramref name="a"/> to <paramref name="b"/> along the line in latent
    /// space: frame j = f⁻¹((1 − t)·f(a) + t·f(b)) with t = j/(steps − 1); the first and last frames reconstruct a and
    /// b.
    /// </summary>
    public static float[][] Interpolate(this NiceTransformer model, float[] a, float[] b, int steps = 10)
    {
        if (steps < 2)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be >= 2 (both endpoints).");
        var z = model.Encode(new[] { a, b });
        int d = model.Dimension;
        var frames = new float[steps][];
        for (int j = 0; j < steps; j++)
        {
            float t = (float)j / (steps - 1);
            frames[j] = new float[d];
            for (int i = 0; i < d; i++) frames[j][i] = (1 - t) * z[0][i] + t * z[1][i];
        }
        return model.Inverse(frames);
    }

    /// <summary>Writes a PNG with one line of <see cref="Interpolate"/> frames per pair.</summary>
    public static void SaveInterpolationGrid(this NiceTransformer model, string path, NiceImageShape shape,
        IReadOnlyList<(float[] A, float[] B)> pairs, int steps = 10, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var lines = pairs.Select(p => (IReadOnlyList<float[]>)model.Interpolate(p.A, p.B, steps)).ToArray();
        model.SaveImageGrid(path, shape, lines, scale);
    }

    /// <summary>
    /// The scaling layer as a picture (§3.3): pixel i shows −sᵢ = log σᵢ with σᵢ = exp(−sᵢ), linearly from its minimum
    /// (black) to its maximum (white). h = exp(s) ⊙ (coupling output), so σᵢ is the spread along latent coordinate i
    /// that the prior's unit scale allows in the coupling output: bright = a coordinate with much variation
    /// (important), dark = one the model squeezes (near-constant pixels such as an image's border). Couplings mix
    /// pixels, so coordinate i is pixel i only by index.
    /// </summary>
    public static MLImage ImportanceImage(this NiceTransformer model, NiceImageShape shape)
    {
        CheckShape(model, shape);
        var (row, lo, hi) = ImportanceRow(model);
        return NiceImages.ToImage(row, shape.Width, shape.Height, shape.Channels, lo, hi);
    }

    /// <summary>Writes <see cref="ImportanceImage"/> as a PNG, magnified <paramref name="scale"/> times.</summary>
    public static void SaveImportance(this NiceTransformer model, string path, NiceImageShape shape, int scale = 1)
    {
        CheckShape(model, shape);
        var (row, lo, hi) = ImportanceRow(model);
        NiceImages.SaveGrid(new[] { row }, shape.Width, shape.Height, path, shape.Channels, lo, hi, 1, scale);
    }

    private static (float[] Row, float Min, float Max) ImportanceRow(NiceTransformer model)
    {
        var row = model.LogScale.Select(s => -s).ToArray();
        float lo = row.Min(), hi = row.Max();
        return (row, lo, hi > lo ? hi : lo + 1);
    }

    /// <summary>Throws when <paramref name="shape"/> is invalid or does not have the model's D values.</summary>
    internal static void CheckShape(NiceTransformer model, NiceImageShape shape)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        if (shape.Dimension != model.Dimension)
            throw new ArgumentException($"The image shape {shape.Channels}×{shape.Height}×{shape.Width} has " +
                $"{shape.Dimension} values; the model has D = {model.Dimension}.", nameof(shape));
    }
}
