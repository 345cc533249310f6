using System;
using System.Threading;

namespace Nice.MLNet.Anomaly;

/// <summary>A NICE model shared by a detector and the detectors derived from it (ChangeThreshold, ChangeScore); the
/// flow is disposed with the last of them.</summary>
internal sealed class SharedModel
{
    private int references = 1;

    public SharedModel(NiceTransformer model) => Model = model;

    public NiceTransformer Model { get; }

    public SharedModel Acquire()
    {
        if (Interlocked.Increment(ref references) <= 1)
            throw new ObjectDisposedException(nameof(NiceAnomalyDetector),
                "The detector's NICE model has been disposed.");
        return this;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref references) == 0) Model.Dispose();
    }
}
