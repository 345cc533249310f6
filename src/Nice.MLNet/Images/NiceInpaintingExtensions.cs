using System;
using System.Collections.Generic;
using Nice.MLNet.Flow;
using Nice.MLNet.Mapping;
using static TorchSharp.torch;

namespace Nice.MLNet.Images;

/// <summary>The NICE paper's inpainting (arXiv:1410.8516, §5.2) as extension methods of
/// <see cref="NiceTransformer"/>.</summary>
public static class NiceInpaintingExtensions
{
    /// <summary>
    /// Inpaints one image; see <see cref="Inpaint(NiceTransformer, IReadOnlyList{float[]}, IReadOnlyList{bool[]},
    /// NiceInpaintingOptions?)"/>.
    /// </summary>
    public static float[] Inpaint(this NiceTransformer model, float[] image, bool[] known,
        NiceInpaintingOptions? options = null)
        => model.Inpaint(new[] { image }, new[] { known }, options)[0];

    /// <summary>
    /// Fills the unknown pixels (<paramref name="known"/>[r][i] false) of each image by the NICE paper's inpainting
    /// (arXiv:1410.8516, §5.2): known pixels x_O stay fixed; the unknown x_H start from the values given in the image
    /// (so the caller chooses the start, e.g. the mean or 0) and follow x_H ← clamp(x_H + αᵢ(∂ log p(x_O, x_H)/∂x_H +
    /// ε)), αᵢ = a/(b + i), ε ~ N(0, σ²I), see <see cref="NiceInpaintingOptions"/>. With dequantization the ascent runs
    /// on the flow's [0, 1]ᴰ scale (known pixels at their levels' centres) and the result is mapped back to the input's
    /// units; without it, it runs in the input's units, clamped to [Min, Max] of the options (required then). Uses
    /// autograd on the flow; one dispose scope per step.
    /// </summary>
    public static float[][] Inpaint(this NiceTransformer model, IReadOnlyList<float[]> images,
        IReadOnlyList<bool[]> known,
        NiceInpaintingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfDisposed();
        options ??= new NiceInpaintingOptions();
        options.Validate();
        ArgumentNullException.ThrowIfNull(known);
        int d = model.Dimension;
        var flat = RowArrays.Flatten(images, d, nameof(images));
        if (known.Count != images.Count)
            throw new ArgumentException($"{known.Count} masks for {images.Count} images.", nameof(known));
        var mask = new float[flat.Length];
        for (int r = 0; r < known.Count; r++)
        {
            if (known[r] is null || known[r].Length != d)
                throw new ArgumentException(
                    $"known[{r}] has {known[r]?.Length ?? 0} entries; the model expects {d}.", nameof(known));
            for (int i = 0; i < d; i++) mask[r * d + i] = known[r][i] ? 1f : 0f;
        }
        if (Array.Exists(flat, v => !float.IsFinite(v)))
            throw new ArgumentException("The images contain NaN or infinity.", nameof(images));
        if (images.Count == 0) return Array.Empty<float[]>();
        var dq = model.Dequantization;
        double lo = 0, hi = 1;
        if (dq is null)
        {
            if (options.Min is not float min || options.Max is not float max)
                throw new ArgumentException("The model has no dequantization: set NiceInpaintingOptions.Min and Max, " +
                    "the " +
                    "valid input range.", nameof(options));
            (lo, hi) = (min, max);
        }
        using var scope = NewDisposeScope();
        var raw = HostTensors.FromRows(flat, images.Count, d);
        var x0 = dq is null ? raw : ContinuousToFlow(dq, raw);
        var m = HostTensors.FromRows(mask, images.Count, d);
        var filled = Inpainting.Run(model.Flow, x0, m, lo, hi, options).detach();
        using var _ = no_grad();
        return RowArrays.Split(model.FromFlowSpace(filled), images.Count, d);
    }

    /// <summary>
    /// Input units → flow space without rounding to a level: x = ((v − Offset)/Step + ½)/L, the inverse of FromFlow,
    /// clamped to [0, 1].
    /// </summary>
    private static Tensor ContinuousToFlow(Dequantization dq, Tensor v)
        => (((v - dq.Offset) / dq.Step + 0.5) / dq.Levels).clamp(0, 1);
}
