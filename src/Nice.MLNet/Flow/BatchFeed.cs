using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>Mini-batches of raw input rows (CPU tensors of shape [B, D]) for one training run.</summary>
internal abstract class BatchFeed : IDisposable
{
    protected BatchFeed(IRowSource source, HeldOutRows heldOut)
    {
        Source = source;
        HeldOut = heldOut;
    }

    protected IRowSource Source { get; }
    protected HeldOutRows HeldOut { get; }

    /// <summary>Training rows seen so far (exact after the first epoch).</summary>
    public long TrainRows { get; protected set; }
    public long ValidRows { get; protected set; }

    /// <summary>The epoch's training batches, shuffled. Each tensor belongs to the caller's dispose scope.</summary>
    public abstract IEnumerable<Tensor> TrainBatches(int batchSize, Random random);

    /// <summary>The validation rows in order, in batches.</summary>
    public abstract IEnumerable<Tensor> ValidBatches(int batchSize);

    /// <summary>True when the run holds row <paramref name="row"/> out (see <see cref="HeldOutRows"/>).</summary>
    protected bool IsValidation(long row) => HeldOut.Contains(row);

    public static BatchFeed Create(IRowSource source, TrainingSettings s)
        => s.CacheInMemory ? new CachedFeed(source, s.HeldOut)
                           : new StreamingFeed(source, s.HeldOut, s.ShufflePoolRows);

    public virtual void Dispose() { }
}
