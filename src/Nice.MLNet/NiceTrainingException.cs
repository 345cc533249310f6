using System;
using Nice.MLNet.Flow;

namespace Nice.MLNet;

/// <summary>
/// <c>Fit</c> stopped because the training loss became non-finite (NaN or infinity). No model is returned: the flow
/// that diverged is released. Lower <see cref="NiceOptions.LearningRate"/>, set
/// <see cref="NiceOptions.GradientClipNorm"/>, or check the data's scale.
/// </summary>
public sealed class NiceTrainingException : InvalidOperationException
{
    internal NiceTrainingException(NonFiniteLossException inner)
        : base($"NICE training diverged: {inner.Message}. No model was returned. " +
               "Try a lower LearningRate, GradientClipNorm > 0, or check the data's scale.", inner)
    {
        Epoch = inner.Epoch;
        Batch = inner.Batch;
    }

    /// <summary>1-based epoch in which the loss became non-finite.</summary>
    public int Epoch { get; }

    /// <summary>1-based batch within that epoch.</summary>
    public int Batch { get; }
}
