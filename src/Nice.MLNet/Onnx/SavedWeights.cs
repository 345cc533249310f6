using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Nice.MLNet.Flow;

namespace Nice.MLNet.Onnx;

/// <summary>
/// The weights of a flow as a saved ONNX graph holds them (initializers named as the flow's parameters and fixed
/// buffers), read and checked without TorchSharp: every parameter the <see cref="FlowLayout"/> names is present, of
/// its shape, float32 and finite; every permutation is one of 0…D−1; every sign is ±1. The values stay views of the
/// parsed file (no copy).
/// </summary>
internal sealed class SavedWeights : FlowWeights
{
    private readonly OnnxModelContents contents;
    private readonly Dictionary<string, long[]> permutations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float[]> signs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WhiteningParts> whitenings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (float[] Basis, float[] Radius)> radials = new(StringComparer.Ordinal);

    /// <summary>
    /// Checks <paramref name="contents"/> against <paramref name="layout"/>; throws <see cref="InvalidDataException"/>
    /// saying what is wrong (a missing weight, a wrong shape or type, a non-finite value, an invalid fixed part).
    /// </summary>
    public SavedWeights(FlowLayout layout, OnnxModelContents contents) : base(layout)
    {
        this.contents = contents;
        foreach (var (name, shape) in layout.Parameters)
        {
            if (!contents.Initializers.TryGetValue(name, out var init))
                throw new InvalidDataException(
                    $"The ONNX model lacks the weight '{name}' (no initializer of that name).");
            if (!init.Dims.SequenceEqual(shape))
                throw new InvalidDataException($"The ONNX weight '{name}' has shape [{string.Join(", ", init.Dims)}]; "
                    + $"the config needs [{string.Join(", ", shape)}].");
            foreach (var v in init.Floats())
                if (!float.IsFinite(v))
                    throw new InvalidDataException(
                        $"The ONNX weight '{name}' holds a non-finite value (NaN or infinity).");
        }
        foreach (var step in layout.Steps)
        {
            if (step is FlowLayout.PermutationStep or FlowLayout.LuStep) ReadFixed(step);
            if (step is FlowLayout.WhiteningStep w) ReadWhitening(w);
            if (step is FlowLayout.RadialStep r) ReadRadial(r);
        }
        if (layout.Config.KernelRows is not null) CheckFolds();
    }

    /// <summary>A kernel mixture's folds: each a whole number in [0, K), and every kernel with at least two rows
    /// outside its fold.</summary>
    private void CheckFolds()
    {
        int k = Layout.Config.Members!.Value;
        var folds = contents.Initializers[FlowLayout.FoldsName].Floats().ToArray();
        if (Array.Exists(folds, f => f < 0 || f >= k || f != MathF.Floor(f)))
            throw new InvalidDataException($"The ONNX kernel mixture's '{FlowLayout.FoldsName}' holds a value that is "
                + $"not a fold number 0…{k - 1}.");
        for (int m = 0; m < k; m++)
            if (folds.Count(f => f != m) < 2)
                throw new InvalidDataException($"The ONNX kernel mixture's kernel {m} has fewer than two rows outside "
                    + "its fold.");
    }

    /// <summary>
    /// The whitening's μ ("….mean", [D]) and W ("….weight", [D, D], [D], or low-rank [1] with "….basis" [D, K] and
    /// "….gain" [K]); refuses other shapes, non-finite values, a full W that is not lower triangular, a diagonal that
    /// is not positive, and a basis whose columns are not orthonormal (<see cref="WhiteningValues.Check"/>).
    /// </summary>
    private void ReadWhitening(FlowLayout.WhiteningStep step)
    {
        int d = Layout.Dimension, k = step.Rank;
        string prefix = step.Prefix;
        var kind = step.Full ? NiceWhitening.Full : NiceWhitening.Diagonal;
        var values = new WhiteningParts(Read("mean", d), Read("weight", WhiteningValues.WeightShape(kind, d, k)),
            k > 0 ? Read("basis", d, k) : null, k > 0 ? Read("gain", k) : null);
        try
        {
            WhiteningValues.Check(kind, d, k, values);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The ONNX model's whitening '{prefix}' is invalid: {e.Message}", e);
        }
        whitenings[prefix] = values;

        float[] Read(string part, params long[] shape)
        {
            var init = Initializer($"{prefix}.{part}");
            if (!init.Dims.SequenceEqual(shape))
                throw new InvalidDataException($"The ONNX whitening '{prefix}' has {part} "
                    + $"[{string.Join(", ", init.Dims)}]; the config needs [{string.Join(", ", shape)}].");
            return init.Floats().ToArray();
        }
    }

    /// <summary>
    /// The radial step's basis ("….basis", [D, R], orthonormal columns, <see cref="WhiteningValues.CheckOrthonormal"/>)
    /// and radius constants ("….radius", [4]: c and σₜ &gt; 0 finite, c_χ and σ_χ those of χ with D − R degrees of
    /// freedom, to float32 rounding).
    /// </summary>
    private void ReadRadial(FlowLayout.RadialStep step)
    {
        int d = Layout.Dimension, rank = step.Rank;
        string prefix = step.Prefix;
        var basisInit = Initializer($"{prefix}.basis");
        var radiusInit = Initializer($"{prefix}.radius");
        if (!basisInit.Dims.SequenceEqual(new long[] { d, rank }) || !radiusInit.Dims.SequenceEqual(new long[] { 4 }))
            throw new InvalidDataException($"The ONNX radial step '{prefix}' has basis [{string.Join(", ",
                basisInit.Dims)}] and radius [{string.Join(", ", radiusInit.Dims)}]; the config needs [{d}, {rank}] "
                + "and [4].");
        var basis = basisInit.Floats().ToArray();
        var radius = radiusInit.Floats().ToArray();
        if (Array.Exists(basis, v => !float.IsFinite(v)) || Array.Exists(radius, v => !float.IsFinite(v))
            || radius[1] <= 0)
            throw new InvalidDataException($"The ONNX radial step '{prefix}' holds a non-finite value or a radius "
                + "scale that is not positive.");
        try
        {
            WhiteningValues.CheckOrthonormal(d, rank, basis, "The radial basis");
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The ONNX radial step '{prefix}' is invalid: {e.Message}", e);
        }
        var (chiMean, chiSd) = Flow.RadialStep.LogChi(d - rank);
        if (radius[2] != (float)chiMean || radius[3] != (float)chiSd)
            throw new InvalidDataException($"The ONNX radial step '{prefix}' has χ constants ({radius[2]}, "
                + $"{radius[3]}) that are not those of {d - rank} degrees of freedom ({(float)chiMean}, "
                + $"{(float)chiSd}).");
        radials[prefix] = (basis, radius);
    }

    public override (float[] Basis, float[] Radius) Radial(string prefix)
    {
        var r = radials[prefix];
        return ((float[])r.Basis.Clone(), (float[])r.Radius.Clone());
    }

    /// <summary>
    /// A permutation's π ("….perm", int64), LU's P ("….perm") and signs ("….sign", ±1 floats). Refuses anything that
    /// is not a permutation of 0…D−1 or a sign other than ±1.
    /// </summary>
    private void ReadFixed(FlowLayout.Step step)
    {
        int d = Layout.Dimension;
        string prefix = step.Prefix;
        long[] perm = Initializer($"{prefix}.perm").ToInt64s(d);
        try
        {
            if (step is FlowLayout.LuStep)
            {
                var sign = Initializer($"{prefix}.sign");
                if (!sign.Dims.SequenceEqual(new long[] { d }))
                    throw new InvalidDataException($"The ONNX weight '{prefix}.sign' has shape "
                        + $"[{string.Join(", ", sign.Dims)}]; the config needs [{d}].");
                var values = sign.ToFloats();
                if (Array.Exists(values, v => v != 1f && v != -1f))
                    throw new ArgumentException("Every sign must be +1 or −1.");
                signs[prefix] = values;
            }
            Permutations.Invert(perm);   // throws unless it is a permutation of 0…D−1
            permutations[prefix] = perm;
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The ONNX model's fixed part of '{prefix}' is invalid: {e.Message}", e);
        }
    }

    private OnnxInitializer Initializer(string name)
        => contents.Initializers.TryGetValue(name, out var init)
            ? init
            : throw new InvalidDataException($"The ONNX model lacks the initializer '{name}'.");

    public override ReadOnlySpan<float> Parameter(string name)
    {
        Layout.ShapeOf(name);   // only the flow's own parameters
        return contents.Initializers[name].Floats();
    }

    public override long[] Permutation(string prefix) => (long[])permutations[prefix].Clone();

    public override float[] Sign(string prefix) => (float[])signs[prefix].Clone();

    public override WhiteningParts Whitening(string prefix)
    {
        var w = whitenings[prefix];
        return new WhiteningParts((float[])w.Mean.Clone(), (float[])w.Weight.Clone(), (float[]?)w.Basis?.Clone(),
            (float[]?)w.Gain?.Clone());
    }
}
