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
    private readonly Tensor first;
    private readonly Tensor second;
    private readonly Tensor unpermute;

    public AdditiveCoupling(Partition partition, int hiddenLayers, int width, NiceActivation activation)
        : base(nameof(AdditiveCoupling))
    {
        Partition = partition;
        m = new CouplingNet(partition.First.Length, partition.Second.Length, hiddenLayers, width, activation);
        first = tensor(partition.First);
        second = tensor(partition.Second);
        unpermute = tensor(partition.Inverse);
        register_buffer("first", first, persistent: false);
        register_buffer("second", second, persistent: false);
        register_buffer("unpermute", unpermute, persistent: false);
        RegisterComponents();
    }

    /// <summary>The index sets this layer conditions on (First) and updates (Second).</summary>
    public Partition Partition { get; }

    /// <summary>The coupling function m.</summary>
    public CouplingNet Net => m;

    public override (Tensor Y, Tensor LogDet) Forward(Tensor x)
    {
        var x1 = x.index_select(1, first);
        var y2 = x.index_select(1, second) + m.forward(x1);
        var y = cat(new[] { x1, y2 }, 1).index_select(1, unpermute);
        return (y, zeros(x.shape[0], dtype: x.dtype, device: x.device));
    }

    public override Tensor Inverse(Tensor y)
    {
        var y1 = y.index_select(1, first);
        var x2 = y.index_select(1, second) - m.forward(y1);
        return cat(new[] { y1, x2 }, 1).index_select(1, unpermute);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            m.Dispose();
            first.Dispose();
            second.Dispose();
            unpermute.Dispose();
        }
        base.Dispose(disposing);
    }
}
