using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// NICE's additive coupling layer (Dinh, Krueger &amp; Bengio, arXiv:1410.8516, §3.2):
/// y_I₁ = x_I₁, y_I₂ = x_I₂ + m(x_I₁); inverse x_I₂ = y_I₂ − m(y_I₁). Volume preserving: log|det J| = 0.
/// </summary>
internal sealed class AdditiveCoupling : FlowLayer, ICoupling
{
    private readonly CouplingNet m;
    private readonly CouplingSplit split;

    public AdditiveCoupling(Partition partition, int hiddenLayers, int width, NiceActivation activation)
        : base(nameof(AdditiveCoupling))
    {
        Partition = partition;
        m = new CouplingNet(partition.First.Length, partition.Second.Length, hiddenLayers, width, activation);
        split = new CouplingSplit(this, partition);
        RegisterComponents();
    }

    /// <summary>The index sets this layer conditions on (First) and updates (Second).</summary>
    public Partition Partition { get; }

    /// <summary>The coupling function m.</summary>
    public CouplingNet Net => m;

    public override (Tensor Y, Tensor LogDet) Forward(Tensor x)
    {
        var (x1, x2) = split.Split(x);
        var y = split.Merge(x1, x2 + m.forward(x1));
        return (y, zeros(x.shape[0], dtype: x.dtype, device: x.device));
    }

    public override Tensor Inverse(Tensor y)
    {
        var (y1, y2) = split.Split(y);
        return split.Merge(y1, y2 - m.forward(y1));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            m.Dispose();
            split.Dispose();
        }
        base.Dispose(disposing);
    }
}
