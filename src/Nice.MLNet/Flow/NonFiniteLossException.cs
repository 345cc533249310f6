using System;

namespace Nice.MLNet.Flow;

/// <summary>
/// Training met a non-finite loss. The step was not applied: the flow holds the weights of the best epoch so far (or
/// its starting weights in the first epoch) when this is thrown.
/// </summary>
internal sealed class NonFiniteLossException : Exception
{
    public NonFiniteLossException(int epoch, int batch, double loss)
        : base($"the loss was {loss} at epoch {epoch}, batch {batch}")
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
    }

    /// <summary>1-based epoch in which the loss became non-finite.</summary>
    public int Epoch { get; }

    /// <summary>1-based batch within that epoch.</summary>
    public int Batch { get; }

    /// <summary>The loss value (NaN or ±∞).</summary>
    public double Loss { get; }
}
