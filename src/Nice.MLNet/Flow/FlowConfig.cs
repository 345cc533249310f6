using System;
using System.Text.Json.Serialization;

namespace Nice.MLNet.Flow;

/// <summary>
/// The architecture of a NICE flow: everything needed to rebuild it before loading its weights. The last three fields are
/// NICE's successors and default to the paper's model (additive couplings, no mixing, no actnorm); at their defaults they are
/// left out of the JSON the ONNX export writes, so a NICE model's file is the same as before they existed, and a file
/// without them loads as NICE. <c>Coupling</c>: additive (NICE) or affine (RealNVP) couplings; <c>Mixing</c>: the invertible
/// mixing inserted between consecutive couplings (none, fixed permutation, learned LU); <c>ActNorm</c>: an actnorm layer before
/// each coupling (Glow).
/// </summary>
internal sealed record FlowConfig(
    int Dimension,
    int Couplings = 4,
    int HiddenLayers = 5,
    int HiddenWidth = 1000,
    NiceActivation Activation = NiceActivation.ReLU,
    NicePartition Partition = NicePartition.Interleaved,
    NicePrior Prior = NicePrior.Logistic,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] NiceCoupling Coupling = NiceCoupling.Additive,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] NiceMixing Mixing = NiceMixing.None,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool ActNorm = false)
{
    /// <summary>True for the paper's model: additive couplings, no mixing, no actnorm.</summary>
    [JsonIgnore]
    public bool IsPlainNice => Coupling == NiceCoupling.Additive && Mixing == NiceMixing.None && !ActNorm;

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
        if (!Enum.IsDefined(Coupling)) throw new ArgumentOutOfRangeException(nameof(Coupling), Coupling, "Unknown coupling.");
        if (!Enum.IsDefined(Mixing)) throw new ArgumentOutOfRangeException(nameof(Mixing), Mixing, "Unknown mixing.");
    }
}
