using System;
using Nice.MLNet.Flow;

namespace Nice.MLNet.Onnx;

/// <summary>
/// The trained values of a flow by name, where the graph builder (<see cref="FlowGraph"/>) reads them: from a live
/// <see cref="Flow.NiceFlow"/> (<see cref="ModuleWeights"/>), or parsed from a saved ONNX graph without TorchSharp
/// (<see cref="SavedWeights"/>). Names and shapes follow the flow's <see cref="Flow.FlowLayout"/>.
/// </summary>
internal abstract class FlowWeights : IDisposable
{
    protected FlowWeights(Flow.FlowLayout layout) => Layout = layout;

    public Flow.FlowLayout Layout { get; }

    public Flow.FlowConfig Config => Layout.Config;

    /// <summary>The float32 values (row-major) of the parameter <paramref name="name"/>; valid until
    /// disposed.</summary>
    public abstract ReadOnlySpan<float> Parameter(string name);

    /// <summary>The fixed permutation π ("….perm") of a permutation or LU mixing layer.</summary>
    public abstract long[] Permutation(string prefix);

    /// <summary>The fixed signs ("….sign", ±1) of an LU mixing layer.</summary>
    public abstract float[] Sign(string prefix);

    /// <summary>
    /// W⁻¹ of an LU mixing layer (row-major D × D, inverted in float64), for the inverse graph. Only a live flow gives
    /// it; a saved model's inverse graph is built from its flow.
    /// </summary>
    public virtual float[] LuInverse(string prefix)
        => throw new NotSupportedException($"The inverse of the LU mixing '{prefix}' needs the flow itself.");

    /// <summary>The fixed μ ("….mean", [D]) and W ("….weight", [D, D] row-major or [D]; or, low-rank, [1] with
    /// "….basis" [D, K] and "….gain" [K]) of the whitening.</summary>
    public abstract WhiteningParts Whitening(string prefix);

    /// <summary>
    /// W⁻¹ of a full whitening (row-major D × D, inverted in float64), for the inverse graph. Only a live flow gives
    /// it; a saved model's inverse graph is built from its flow.
    /// </summary>
    public virtual float[] WhiteningInverse(string prefix)
        => throw new NotSupportedException($"The inverse of the whitening '{prefix}' needs the flow itself.");

    /// <summary>The radial step's fixed basis ("….basis", [D, R] row-major) and radius constants ("….radius", [4]:
    /// c, σₜ, c_χ, σ_χ).</summary>
    public abstract (float[] Basis, float[] Radius) Radial(string prefix);

    public virtual void Dispose() { }
}
