using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>Mini-batches of raw input rows (CPU tensors of shape [B, D]) for one training run.</summary>
internal abstract class BatchFeed : IDisposable
{
    protected BatchFeed(IRowSource source, int seed, double validationFraction)
    {
        Source = source;
        Seed = seed;
        ValidationFraction = validationFraction;
    }

    protected IRowSource Source { get; }
    protected int Seed { get; }
    protected double ValidationFraction { get; }

    /// <summary>Training rows seen so far (exact after the first epoch).</summary>
    public long TrainRows { get; protected set; }
    public long ValidRows { get; protected set; }

    /// <summary>The epoch's training batches, shuffled. Each tensor belongs to the caller's dispose scope.</summary>
    public abstract IEnumerable<Tensor> TrainBatches(int batchSize, Random random);

    /// <summary>The validation rows in order, in batches.</summary>
    public abstract IEnumerable<Tensor> ValidBatches(int batchSize);

    /// <summary>Row 0 always trains, so a non-empty source never leaves training empty.</summary>
    protected bool IsValidation(long row) => row > 0 && Split.IsValidation(row, Seed, ValidationFraction);

    public static BatchFeed Create(IRowSource source, TrainingSettings s)
        => s.CacheInMemory ? new CachedFeed(source, s.Seed, s.ValidationFraction)
                           : new StreamingFeed(source, s.Seed, s.ValidationFraction, s.ShufflePoolRows);

    public virtual void Dispose() { }
}

/// <summary>Reads the source once into two tensors; each epoch draws a fresh permutation.</summary>
internal sealed class CachedFeed : BatchFeed
{
    private readonly Tensor train;
    private readonly Tensor valid;

    public CachedFeed(IRowSource source, int seed, double validationFraction) : base(source, seed, validationFraction)
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

/// <summary>
/// Streams the source every epoch with bounded memory: a shuffle pool of a fixed number of rows
/// (each incoming row replaces a random pooled row, which goes into the batch), so memory does not grow with the data.
/// </summary>
internal sealed class StreamingFeed : BatchFeed
{
    private readonly int poolRows;

    public StreamingFeed(IRowSource source, int seed, double validationFraction, int poolRows) : base(source, seed, validationFraction)
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
