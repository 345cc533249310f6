using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>The index sets (I₁, I₂) of one coupling layer and the permutation that puts [x_I₁, x_I₂] back in
/// order.</summary>
internal sealed class Partition
{
    public long[] First { get; }
    public long[] Second { get; }
    /// <summary>inverse[j] = position of feature j in the concatenation [x_I₁, x_I₂].</summary>
    public long[] Inverse { get; }

    private Partition(long[] first, long[] second)
    {
        First = first;
        Second = second;
        var order = first.Concat(second).ToArray();
        Inverse = new long[order.Length];
        for (int p = 0; p < order.Length; p++) Inverse[order[p]] = p;
    }

    /// <summary>The partition of coupling layer <paramref name="layer"/> (0-based) for D =
    /// <paramref name="dimension"/>.</summary>
    public static Partition For(NicePartition kind, int dimension, int layer)
    {
        if (dimension < 2)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "A coupling layer needs D >= 2.");
        bool swap = layer % 2 == 1;
        long[] a, b;
        switch (kind)
        {
            case NicePartition.Interleaved:
                a = Enumerable.Range(0, dimension).Where(i => i % 2 == 0).Select(i => (long)i).ToArray();
                b = Enumerable.Range(0, dimension).Where(i => i % 2 == 1).Select(i => (long)i).ToArray();
                break;
            case NicePartition.Contiguous:
                int half = (dimension + 1) / 2;
                a = Enumerable.Range(0, half).Select(i => (long)i).ToArray();
                b = Enumerable.Range(half, dimension - half).Select(i => (long)i).ToArray();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown partition.");
        }
        return swap ? new Partition(b, a) : new Partition(a, b);
    }
}
