using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// RealNVP's affine coupling layer (Dinh, Sohl-Dickstein &amp; Bengio, "Density estimation using Real NVP", ICLR 2017,
/// §3.2–3.3): y_I₁ = x_I₁, y_I₂ = x_I₂ ⊙ exp(a(x_I₁)) + t(x_I₁); inverse x_I₂ = (y_I₂ − t(y_I₁)) ⊙ exp(−a(y_I₁));
/// log|det J| = Σⱼ aⱼ(x_I₁). The network m outputs [â, t] (2·|I₂| values; â first) and the log-scale is bounded, a = c
/// ⊙ tanh(â), with c a <b>learned</b> per-dimension scale (parameter "scale", initialised to 1, as the "rescaled tanh"
/// of RealNVP's reference code), so |aⱼ| ≤ |cⱼ| and one bad step cannot blow a scale up. m's output layer starts at
/// zero, so the layer starts as the identity. Same partitions as <see cref="AdditiveCoupling"/>.
/// </summary>
internal sealed class AffineCoupling : FlowLayer, ICoupling
{
    private readonly CouplingNet m;
    private readonly Parameter scale;
    private readonly CouplingSplit split;
    private readonly int updated;

    public AffineCoupling(Partition partition, int hiddenLayers, int width, NiceActivation activation)
        : base(nameof(AffineCoupling))
    {
        Partition = partition;
        updated = partition.Second.Length;
        m = new CouplingNet(partition.First.Length, 2 * updated, hiddenLayers, width, activation);
        scale = new Parameter(ones(updated));
        register_parameter("scale", scale);
        split = new CouplingSplit(this, partition);
        RegisterComponents();
    }

    public Partition Partition { get; }

    public CouplingNet Net => m;

    /// <summary>The learned bound c of the log-scale a = c ⊙ tanh(â).</summary>
    public Parameter Scale => scale;

    /// <summary>(a, t) for the conditioning features x_I₁.</summary>
    private (Tensor A, Tensor T) ScaleAndShift(Tensor x1)
    {
        var h = m.forward(x1);
        var a = scale * h.narrow(1, 0, updated).tanh();
        return (a, h.narrow(1, updated, updated));
    }

    public override (Tensor Y, Tensor LogDet) Forward(Tensor x)
    {
        var (x1, x2) = split.Split(x);
        var (a, t) = ScaleAndShift(x1);
        return (split.Merge(x1, x2 * a.exp() + t), a.sum(1));
    }

    public override Tensor Inverse(Tensor y)
    {
        var (y1, y2) = split.Split(y);
        var (a, t) = ScaleAndShift(y1);
        return split.Merge(y1, (y2 - t) * (-a).exp());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            m.Dispose();
            scale.Dispose();
            split.Dispose();
        }
        base.Dispose(disposing);
    }
}
