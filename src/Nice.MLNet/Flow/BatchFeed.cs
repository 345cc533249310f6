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
