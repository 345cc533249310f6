using Nice.MLNet.Flow;

namespace Nice.MLNet.Tests;

/// <summary>Flow architectures for engine tests: the engine's <see cref="FlowConfig"/> has no option defaults of its own.</summary>
internal static class TestConfig
{
    /// <summary>A config with the paper's choices for everything not given (ReLU, interleaved, logistic, NICE couplings).</summary>
    public static FlowConfig Nice(int Dimension, int Couplings = 4, int HiddenLayers = 5, int HiddenWidth = 1000,
        NiceActivation Activation = NiceActivation.ReLU, NicePartition Partition = NicePartition.Interleaved,
        NicePrior Prior = NicePrior.Logistic, NiceCoupling Coupling = NiceCoupling.Additive,
        NiceMixing Mixing = NiceMixing.None, bool ActNorm = false, bool InputNorm = false)
        => new(Dimension, Couplings, HiddenLayers, HiddenWidth, Activation, Partition, Prior, Coupling, Mixing, ActNorm,
            InputNorm);
}
