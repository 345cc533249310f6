using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// The split and merge every coupling layer does: x ↦ (x_I₁, x_I₂) and back, by one partition's index sets. The index
/// tensors are registered as (non-persistent) buffers of the owning layer, so they move with it between devices.
/// </summary>
internal sealed class CouplingSplit : IDisposable
{
    private readonly Tensor first;
    private readonly Tensor second;
    private readonly Tensor unpermute;

    public CouplingSplit(nn.Module owner, Partition partition)
    {
        first = tensor(partition.First);
        second = tensor(partition.Second);
        unpermute = tensor(partition.Inverse);
        owner.register_buffer("first", first, persistent: false);
        owner.register_buffer("second", second, persistent: false);
        owner.register_buffer("unpermute", unpermute, persistent: false);
    }

    /// <summary>(x_I₁, x_I₂).</summary>
    public (Tensor First, Tensor Second) Split(Tensor x) => (x.index_select(1, first), x.index_select(1, second));

    /// <summary>x with x_I₁ = <paramref name="x1"/> and x_I₂ = <paramref name="x2"/>.</summary>
    public Tensor Merge(Tensor x1, Tensor x2) => cat(new[] { x1, x2 }, 1).index_select(1, unpermute);

    public void Dispose()
    {
        first.Dispose();
        second.Dispose();
        unpermute.Dispose();
    }
}
