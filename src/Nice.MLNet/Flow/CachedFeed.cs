using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>Reads the source once into two tensors; each epoch draws a fresh permutation.</summary>
internal sealed class CachedFeed : BatchFeed
{
    private readonly Tensor train;
    private readonly Tensor valid;

    public CachedFeed(IRowSource source, HeldOutRows heldOut) : base(source, heldOut)
    {
        var t = new List<float>();
        var v = new List<float>();
        long row = 0;
        foreach (var r in source.ReadRows())
        {
            (IsValidation(row) ? v : t).AddRange(r.Span);
            row++;
        }
        int d = source.Dimension;
        TrainRows = t.Count / d;
        ValidRows = v.Count / d;
        train = HostTensors.FromRows(CollectionsMarshal.AsSpan(t), TrainRows, d).DetachFromDisposeScope();
        valid = HostTensors.FromRows(CollectionsMarshal.AsSpan(v), ValidRows, d).DetachFromDisposeScope();
    }

    public override IEnumerable<Tensor> TrainBatches(int batchSize, Random random)
    {
        var order = new long[TrainRows];
        for (long i = 0; i < order.Length; i++) order[i] = i;
        random.Shuffle(order);
        for (long start = 0; start < TrainRows; start += batchSize)
        {
            long n = Math.Min(batchSize, TrainRows - start);
            using var idx = tensor(new ReadOnlySpan<long>(order, (int)start, (int)n).ToArray());
            yield return train.index_select(0, idx);
        }
    }

    public override IEnumerable<Tensor> ValidBatches(int batchSize)
    {
        for (long start = 0; start < ValidRows; start += batchSize)
            yield return valid.narrow(0, start, Math.Min(batchSize, ValidRows - start));
    }

    public override void Dispose()
    {
        train.Dispose();
        valid.Dispose();
    }
}
