using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// NICE's top layer (arXiv:1410.8516, §3.3): z = exp(s) ⊙ h, log|det J| = Σᵢ sᵢ.
/// A large sᵢ marks a dimension that matters; a very negative one, a dimension the model treats as noise.
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
