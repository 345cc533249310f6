using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// Streams the source every epoch with bounded memory: a shuffle pool of a fixed number of rows
/// (each incoming row replaces a random pooled row, which goes into the batch), so memory does not grow with the data.
/// </summary>
internal sealed class StreamingFeed : BatchFeed
{
    private readonly int poolRows;

    public StreamingFeed(IRowSource source, HeldOutRows heldOut, int poolRows) : base(source, heldOut)
        => this.poolRows = poolRows;

    public override IEnumerable<Tensor> TrainBatches(int batchSize, Random random)
    {
        int d = Source.Dimension;
        var pool = new float[(long)poolRows * d];
        var batch = new float[(long)batchSize * d];
        int pooled = 0, inBatch = 0;
        long row = 0, count = 0;
        foreach (var r in Source.ReadRows())
        {
            if (IsValidation(row++)) continue;
            count++;
            if (pooled < poolRows)
            {
                r.Span.CopyTo(pool.AsSpan(pooled++ * d, d));
                continue;
            }
            int j = random.Next(poolRows);
            pool.AsSpan(j * d, d).CopyTo(batch.AsSpan(inBatch++ * d, d));
            r.Span.CopyTo(pool.AsSpan(j * d, d));
            if (inBatch == batchSize) { yield return HostTensors.FromRows(batch, batchSize, d); inBatch = 0; }
        }
        // Drain the pool in random order.
        var rest = new int[pooled];
        for (int i = 0; i < pooled; i++) rest[i] = i;
        random.Shuffle(rest);
        foreach (int j in rest)
        {
            pool.AsSpan(j * d, d).CopyTo(batch.AsSpan(inBatch++ * d, d));
            if (inBatch == batchSize) { yield return HostTensors.FromRows(batch, batchSize, d); inBatch = 0; }
        }
        if (inBatch > 0) yield return HostTensors.FromRows(batch.AsSpan(0, inBatch * d), inBatch, d);
        TrainRows = count;
    }

    public override IEnumerable<Tensor> ValidBatches(int batchSize)
    {
        int d = Source.Dimension;
        var batch = new float[(long)batchSize * d];
        int inBatch = 0;
        long row = 0, count = 0;
        foreach (var r in Source.ReadRows())
        {
            if (!IsValidation(row++)) continue;
            count++;
            r.Span.CopyTo(batch.AsSpan(inBatch++ * d, d));
            if (inBatch == batchSize) { yield return HostTensors.FromRows(batch, batchSize, d); inBatch = 0; }
        }
        if (inBatch > 0) yield return HostTensors.FromRows(batch.AsSpan(0, inBatch * d), inBatch, d);
        ValidRows = count;
    }
}
