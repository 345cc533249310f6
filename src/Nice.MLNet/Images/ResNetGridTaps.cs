using System.IO;

namespace Nice.MLNet.Images;

/// <summary>
/// ResNet-18 of <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.23.1 with two more graph outputs
/// (<see cref="OnnxPooledOutputs"/>): the last ReLU of layer2 (128 × 28 × 28) and of layer3 (256 × 14 × 14) averaged
/// over 7 × 7 cells, a 4 × 4 and a 2 × 2 grid of cell means, beside the network's own 512-d global average pool. Tensor
/// names read from the model (docs/image-features-design.md §10).
/// </summary>
internal static class ResNetGridTaps
{
    /// <summary>One block of the grid features: the ONNX output, its channels and grid side (values = C · g²).</summary>
    public sealed record Block(string Output, int Channels, int Grid)
    {
        public int Values => Channels * Grid * Grid;
    }

    /// <summary>The input of ResNet18.onnx and of its preprocessing model, and their outputs.</summary>
    public const string PreprocessInput = "OriginalInput", PreprocessOutput = "PreprocessedInput",
        NetworkInput = "Input247", PoolOutput = "Pooling395_Output_0";

    private static readonly OnnxPooledOutputs.Tap[] Taps =
    {
        new("ReLU315_Output_0", 128, 7, 4),   // layer2
        new("ReLU347_Output_0", 256, 7, 2),   // layer3
    };

    /// <summary>layer2 4 × 4 (2,048 values), layer3 2 × 2 (1,024), the global pool (512), in that order.</summary>
    public static readonly Block[] Blocks =
    {
        new(OnnxPooledOutputs.OutputOf(Taps[0].Tensor, 7), 128, 4),
        new(OnnxPooledOutputs.OutputOf(Taps[1].Tensor, 7), 256, 2),
        new(PoolOutput, 512, 1),
    };

    /// <summary>The package's ResNet18.onnx bytes with the grid outputs added. Throws
    /// <see cref="InvalidDataException"/> naming the package when the model is not the one the taps were read from.</summary>
    public static byte[] AddGridOutputs(byte[] model)
    {
        try
        {
            return OnnxPooledOutputs.Add(model, Taps);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"ResNet18.onnx: {e.Message} The grid features are defined for the model of "
                + $"{NiceImageFeatures.ResNet18Package} 0.23.1.", e);
        }
    }
}
