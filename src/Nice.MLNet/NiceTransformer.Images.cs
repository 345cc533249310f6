using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Data;
using Nice.MLNet.Flow;
using Nice.MLNet.Images;
using static TorchSharp.torch;

namespace Nice.MLNet;

/// <summary>
/// Pictures from a NICE model of images (Dinh, Krueger &amp; Bengio, arXiv:1410.8516): samples, reconstructions, latent
/// interpolations, inpainting (§5.2) and the scaling vector as a picture (§3.3). Rows are planar C×H×W as ExtractPixels writes them;
/// values are mapped to 0…255 by <see cref="PixelRange"/>.
/// </summary>
public sealed partial class NiceTransformer
{
    /// <summary>
    /// The input values drawn as black and white: <see cref="NiceImageShape.Min"/>/<see cref="NiceImageShape.Max"/> when set, otherwise
    /// from the dequantization, [Offset, Offset + (L − 1)·Step] (e.g. [0, 1] after ExtractPixels with scale 1/255, [0, 255] for bytes).
    /// Throws when the shape does not have D values or when neither is available.
    /// </summary>
    public (float Min, float Max) PixelRange(NiceImageShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        if (shape.Dimension != Dimension)
            throw new ArgumentException($"The image shape {shape.Channels}×{shape.Height}×{shape.Width} has {shape.Dimension} values; the model has D = {Dimension}.", nameof(shape));
        if (shape.Min is float lo && shape.Max is float hi) return (lo, hi);
        if (dequantization is null)
            throw new ArgumentException("The model has no dequantization, so its pixel range is unknown: set NiceImageShape.Min and Max.", nameof(shape));
        return ((float)dequantization.Offset, (float)(dequantization.Offset + (dequantization.Levels - 1) * dequantization.Step));
    }

    /// <summary>One row as an opaque picture (alpha 255), values mapped by <see cref="PixelRange"/>.</summary>
    public MLImage ToImage(float[] row, NiceImageShape shape)
    {
        var (lo, hi) = PixelRange(shape);
        return NiceImages.ToImage(row, shape.Width, shape.Height, shape.Channels, lo, hi);
    }

    /// <summary>Writes lines of rows as one PNG grid (line k of the picture = <paramref name="lines"/>[k]), atomically.</summary>
    public void SaveImageGrid(string path, NiceImageShape shape, IReadOnlyList<IReadOnlyList<float[]>> lines, int scale = 1)
    {
        var (lo, hi) = PixelRange(shape);
        NiceImages.SaveLines(lines, shape.Width, shape.Height, path, shape.Channels, lo, hi, scale);
    }

    /// <summary><see cref="Sample"/> as pictures: x = f⁻¹(h), h ~ p_H with standard deviations × <paramref name="temperature"/>.</summary>
    public MLImage[] SampleImages(NiceImageShape shape, int count, double temperature = 1.0, int seed = 0)
    {
        PixelRange(shape);
        return Sample(count, temperature, seed).Select(r => ToImage(r, shape)).ToArray();
    }

    /// <summary>Writes a PNG with one line of <paramref name="perTemperature"/> samples for each temperature (seed + line number).</summary>
    public void SaveSampleGrid(string path, NiceImageShape shape, IReadOnlyList<double> temperatures, int perTemperature = 10, int seed = 0, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(temperatures);
        var lines = temperatures.Select((t, k) => (IReadOnlyList<float[]>)Sample(perTemperature, t, seed + k)).ToArray();
        SaveImageGrid(path, shape, lines, scale);
    }

    /// <summary>x̂ = f⁻¹(f(x)) of each row: the input again up to float rounding (and, with dequantization, rounded to its level).</summary>
    public float[][] Reconstruct(IReadOnlyList<float[]> rows) => Inverse(Encode(rows));

    /// <summary>Writes a PNG with the inputs on the first line and their reconstructions f⁻¹(f(x)) on the second.</summary>
    public void SaveReconstructionGrid(string path, NiceImageShape shape, IReadOnlyList<float[]> rows, int scale = 1)
        => SaveImageGrid(path, shape, new IReadOnlyList<float[]>[] { rows, Reconstruct(rows) }, scale);

    /// <summary>
    /// <paramref name="steps"/> frames from <paramref name="a"/> to <paramref name="b"/> along the line in latent space:
    /// frame j = f⁻¹((1 − t)·f(a) + t·f(b)) with t = j/(steps − 1); the first and last frames reconstruct a and b.
    /// </summary>
    public float[][] Interpolate(float[] a, float[] b, int steps = 10)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be >= 2 (both endpoints).");
        var z = Encode(new[] { a, b });
        var frames = new float[steps][];
        for (int j = 0; j < steps; j++)
        {
            float t = (float)j / (steps - 1);
            frames[j] = new float[Dimension];
            for (int i = 0; i < Dimension; i++) frames[j][i] = (1 - t) * z[0][i] + t * z[1][i];
        }
        return Inverse(frames);
    }

    /// <summary>Writes a PNG with one line of <see cref="Interpolate"/> frames per pair.</summary>
    public void SaveInterpolationGrid(string path, NiceImageShape shape, IReadOnlyList<(float[] A, float[] B)> pairs, int steps = 10, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        SaveImageGrid(path, shape, pairs.Select(p => (IReadOnlyList<float[]>)Interpolate(p.A, p.B, steps)).ToArray(), scale);
    }

    /// <summary>Inpaints one image; see <see cref="Inpaint(IReadOnlyList{float[]}, IReadOnlyList{bool[]}, NiceInpaintingOptions?)"/>.</summary>
    public float[] Inpaint(float[] image, bool[] known, NiceInpaintingOptions? options = null)
        => Inpaint(new[] { image }, new[] { known }, options)[0];

    /// <summary>
    /// Fills the unknown pixels (<paramref name="known"/>[r][i] false) of each image by the NICE paper's inpainting (arXiv:1410.8516, §5.2):
    /// known pixels x_O stay fixed; the unknown x_H start from the values given in the image (so the caller chooses the start, e.g. the
    /// mean or 0) and follow x_H ← clamp(x_H + αᵢ(∂ log p(x_O, x_H)/∂x_H + ε)), αᵢ = a/(b + i), ε ~ N(0, σ²I), see
    /// <see cref="NiceInpaintingOptions"/>. With dequantization the ascent runs on the flow's [0, 1]ᴰ scale (known pixels at their
    /// levels' centres) and the result is mapped back to the input's units; without it, it runs in the input's units, clamped to
    /// [Min, Max] of the options (required then). Uses autograd on the flow; one dispose scope per step.
    /// </summary>
    public float[][] Inpaint(IReadOnlyList<float[]> images, IReadOnlyList<bool[]> known, NiceInpaintingOptions? options = null)
    {
        ThrowIfDisposed();
        options ??= new NiceInpaintingOptions();
        options.Validate();
        ArgumentNullException.ThrowIfNull(known);
        var flat = Flatten(images, nameof(images));
        if (known.Count != images.Count) throw new ArgumentException($"{known.Count} masks for {images.Count} images.", nameof(known));
        var mask = new float[flat.Length];
        for (int r = 0; r < known.Count; r++)
        {
            if (known[r] is null || known[r].Length != Dimension)
                throw new ArgumentException($"known[{r}] has {known[r]?.Length ?? 0} entries; the model expects {Dimension}.", nameof(known));
            for (int i = 0; i < Dimension; i++) mask[r * Dimension + i] = known[r][i] ? 1f : 0f;
        }
        if (Array.Exists(flat, v => !float.IsFinite(v))) throw new ArgumentException("The images contain NaN or infinity.", nameof(images));
        double lo = 0, hi = 1;
        if (dequantization is null)
        {
            if (options.Min is not float min || options.Max is not float max)
                throw new ArgumentException("The model has no dequantization: set NiceInpaintingOptions.Min and Max, the valid input range.", nameof(options));
            (lo, hi) = (min, max);
        }
        using var scope = NewDisposeScope();
        var raw = HostTensors.FromRows(flat, images.Count, Dimension);
        var x0 = dequantization is null ? raw : ContinuousToFlow(raw);
        var m = HostTensors.FromRows(mask, images.Count, Dimension);
        var filled = Inpainting.Run(flow, x0, m, lo, hi, options).detach();
        using var _ = no_grad();
        return Split(ToData(filled), images.Count);
    }

    /// <summary>Input units → flow space without rounding to a level: x = ((v − Offset)/Step + ½)/L, the inverse of FromFlow, clamped to [0, 1].</summary>
    private Tensor ContinuousToFlow(Tensor v)
        => (((v - dequantization!.Offset) / dequantization.Step + 0.5) / dequantization.Levels).clamp(0, 1);

    /// <summary>
    /// The scaling layer as a picture (§3.3): pixel i shows −sᵢ = log σᵢ with σᵢ = exp(−sᵢ), linearly from its minimum (black) to its
    /// maximum (white). h = exp(s) ⊙ (coupling output), so σᵢ is the spread along latent coordinate i that the prior's unit scale allows
    /// in the coupling output: bright = a coordinate with much variation (important), dark = one the model squeezes (near-constant
    /// pixels such as an image's border). Couplings mix pixels, so coordinate i is pixel i only by index.
    /// </summary>
    public MLImage ImportanceImage(NiceImageShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        if (shape.Dimension != Dimension) throw new ArgumentException($"The image shape has {shape.Dimension} values; the model has D = {Dimension}.", nameof(shape));
        var (row, lo, hi) = ImportanceRow();
        return NiceImages.ToImage(row, shape.Width, shape.Height, shape.Channels, lo, hi);
    }

    /// <summary>Writes <see cref="ImportanceImage"/> as a PNG, magnified <paramref name="scale"/> times.</summary>
    public void SaveImportance(string path, NiceImageShape shape, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        if (shape.Dimension != Dimension) throw new ArgumentException($"The image shape has {shape.Dimension} values; the model has D = {Dimension}.", nameof(shape));
        var (row, lo, hi) = ImportanceRow();
        NiceImages.SaveGrid(new[] { row }, shape.Width, shape.Height, path, shape.Channels, lo, hi, 1, scale);
    }

    private (float[] Row, float Min, float Max) ImportanceRow()
    {
        var row = LogScale.Select(s => -s).ToArray();
        float lo = row.Min(), hi = row.Max();
        return (row, lo, hi > lo ? hi : lo + 1);
    }
}
