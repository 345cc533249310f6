using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// NICE's top layer (arXiv:1410.8516, §3.3): z = exp(s) ⊙ h, log|det J| = Σᵢ sᵢ. The flow must stretch a dimension with
/// little variation to the prior's scale, so a large sᵢ marks a squeezed, nearly constant dimension and a small sᵢ one
/// that carries much variation: like a PCA spectrum (§3.3), exp(−sᵢ) reads as the dimension's importance.
/// </summary>
internal sealed class DiagonalScaling : FlowLayer
{
    private readonly Parameter s;

    public DiagonalScaling(int dimension) : base(nameof(DiagonalScaling))
    {
        s = new Parameter(zeros(dimension));
        register_parameter("s", s);
    }

    /// <summary>The log-scale vector s.</summary>
    public Parameter LogScale => s;

    public override (Tensor Y, Tensor LogDet) Forward(Tensor x)
        => (x * s.exp(), s.sum().expand(x.shape[0]));

    public override Tensor Inverse(Tensor y) => y * (-s).exp();

    protected override void Dispose(bool disposing)
    {
        if (disposing) s.Dispose();
        base.Dispose(disposing);
    }
}
