namespace Nice.MLNet.Flow;

/// <summary>One epoch of training as the engine reports it (the ML.NET face shows it as
/// <c>NiceEpochReport</c>).</summary>
/// <param name="Epoch">1-based epoch number; 0 for the start of a flow with a whitening layer (no step taken).</param>
/// <param name="TrainNll">Mean −log p(x) over the epoch's training batches, nats per row.</param>
/// <param name="ValidNll">Mean −log p(x) on the validation rows after the epoch; null without validation rows.</param>
/// <param name="TrainBitsPerDim">TrainNll in bits per dimension.</param>
/// <param name="ValidBitsPerDim">ValidNll in bits per dimension, or null.</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
/// <param name="IsBest">True when this epoch's weights are the ones kept so far.</param>
/// <param name="Member">The ensemble member trained (0 for a single flow).</param>
internal sealed record EpochReport(
    int Epoch, double TrainNll, double? ValidNll, double TrainBitsPerDim, double? ValidBitsPerDim, double Seconds,
        bool IsBest, int Member = 0);
