using System;

namespace Nice.MLNet;

/// <summary>Training stopped on a non-finite loss. The model keeps the last good weights (best validation, or the last finished epoch).</summary>
public sealed class NiceTrainingException : InvalidOperationException
{
    internal NiceTrainingException(int epoch, int batch, double loss)
        : base($"NICE training diverged: the loss was {loss} at epoch {epoch}, batch {batch}. " +
               "The last good weights were kept. Try a lower LearningRate, GradientClipNorm > 0, or check the data's scale.")
    {
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>1-based epoch in which the loss became non-finite.</summary>
    public int Epoch { get; }

    /// <summary>1-based batch within that epoch.</summary>
    public int Batch { get; }
}
