using System;

namespace Nice.MLNet.Flow;

/// <summary>The architecture of a NICE flow: everything needed to rebuild it before loading its weights.</summary>
internal sealed record FlowConfig(
    int Dimension,
    int Couplings = 4,
    int HiddenLayers = 5,
    int HiddenWidth = 1000,
    NiceActivation Activation = NiceActivation.ReLU,
    NicePartition Partition = NicePartition.Interleaved,
    NicePrior Prior = NicePrior.Logistic)
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first field out of range.</summary>
    public void Validate()
    {
        if (Dimension < 2) throw new ArgumentOutOfRangeException(nameof(Dimension), Dimension, "NICE needs at least 2 input dimensions (D >= 2).");
        if (Couplings < 1) throw new ArgumentOutOfRangeException(nameof(Couplings), Couplings, "Couplings must be >= 1 (the paper uses 4).");
        if (HiddenLayers < 1) throw new ArgumentOutOfRangeException(nameof(HiddenLayers), HiddenLayers, "HiddenLayers must be >= 1 (the paper uses 5).");
        if (HiddenWidth < 1) throw new ArgumentOutOfRangeException(nameof(HiddenWidth), HiddenWidth, "HiddenWidth must be >= 1 (the paper uses 1000).");
        if (!Enum.IsDefined(Activation)) throw new ArgumentOutOfRangeException(nameof(Activation), Activation, "Unknown activation.");
        if (!Enum.IsDefined(Partition)) throw new ArgumentOutOfRangeException(nameof(Partition), Partition, "Unknown partition.");
        if (!Enum.IsDefined(Prior)) throw new ArgumentOutOfRangeException(nameof(Prior), Prior, "Unknown prior.");
    }
}
