using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// The one contract every invertible layer keeps: <c>Forward</c> returns y = g(x) with the per-row
/// log|det ∂g/∂x|, and <c>Inverse</c> returns x = g⁻¹(y) exactly (up to floating point).
/// Rows are along dimension 0; features along dimension 1.
/// </summary>
internal abstract class FlowLayer : nn.Module
{
    protected FlowLayer(string name) : base(name) { }

    /// <summary>y = g(x) and log|det J_g(x)| per row (shape [N]).</summary>
    public abstract (Tensor Y, Tensor LogDet) Forward(Tensor x);

    /// <summary>x = g⁻¹(y).</summary>
    public abstract Tensor Inverse(Tensor y);
}
