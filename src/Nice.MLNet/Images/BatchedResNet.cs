using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Nice.MLNet.Images;

/// <summary>
/// The featurizer package's two graphs (preprocessing, then ResNet-18 with the layout's outputs) run by ONNX Runtime
/// on batches of images, for <see cref="NiceImageFeatureEstimator.Fit"/>: the same graphs as the fitted pipeline's
/// <c>ApplyOnnxModel</c> steps, with the fixed batch dimension 1 made symbolic (<see cref="OnnxBatchDimension"/>), so
/// one call runs <see cref="BatchSize"/> images instead of one. Default session options, as <c>ApplyOnnxModel</c>.
/// </summary>
internal sealed class BatchedResNet : IDisposable
{
    /// <summary>Images per ONNX Runtime call: <see cref="NiceImageFeatures.FitBatchSize"/>.</summary>
    public const int BatchSize = NiceImageFeatures.FitBatchSize;

    /// <summary>Floats per image the graphs read: 3 planes of 224 × 224.</summary>
    public const int PixelsPerImage = 3 * NiceImageFeatures.ImageSize * NiceImageFeatures.ImageSize;

    private readonly InferenceSession preprocess, network;
    private readonly string[] outputs;
    private readonly int[] widths;

    /// <param name="preprocessFile">ResNetPreprocess.onnx of the package.</param>
    /// <param name="networkModel">ResNet18.onnx with its batch made symbolic and the outputs added.</param>
    /// <param name="outputs">The graph outputs to read, with <paramref name="widths"/> floats per image each.</param>
    /// <param name="widths">Floats per image of each output.</param>
    /// <param name="options">ONNX Runtime's session options for both graphs (null = its defaults, as
    /// <c>ApplyOnnxModel</c>); the caller keeps ownership.</param>
    public BatchedResNet(string preprocessFile, byte[] networkModel, string[] outputs, int[] widths,
        SessionOptions? options = null)
    {
        this.outputs = outputs;
        this.widths = widths;
        InferenceSession Session(byte[] model)
            => options is null ? new InferenceSession(model) : new InferenceSession(model, options);
        preprocess = Session(OnnxBatchDimension.MakeSymbolic(File.ReadAllBytes(preprocessFile)));
        try
        {
            network = Session(networkModel);
        }
        catch
        {
            preprocess.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Features of the <paramref name="count"/> images in <paramref name="pixels"/> (count × 3 × 224 × 224, planar R,
    /// G, B on 0…255 as <c>ExtractPixels</c> gives them): per output, one array of its width per image.
    /// </summary>
    public float[][][] Run(float[] pixels, int count)
    {
        if (count < 1 || pixels.Length < count * PixelsPerImage)
            throw new ArgumentException($"{pixels.Length} pixel values for {count} images of {PixelsPerImage}.",
                nameof(pixels));
        var shape = new[] { count, 3, NiceImageFeatures.ImageSize, NiceImageFeatures.ImageSize };
        var input = new DenseTensor<float>(new Memory<float>(pixels, 0, count * PixelsPerImage), shape);
        using var prepared = preprocess.Run(new[]
        {
            NamedOnnxValue.CreateFromTensor(ResNetGridTaps.PreprocessInput, input),
        });
        var centred = prepared.Single(v => v.Name == ResNetGridTaps.PreprocessOutput).AsTensor<float>();
        using var results = network.Run(
            new[] { NamedOnnxValue.CreateFromTensor(ResNetGridTaps.NetworkInput, centred) }, outputs);
        var byName = results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
        var features = new float[outputs.Length][][];
        for (int o = 0; o < outputs.Length; o++)
        {
            var values = byName[outputs[o]];
            if (values.Length != count * widths[o])
                throw new InvalidDataException($"ResNet-18 output {outputs[o]}: {values.Length} values for {count} "
                    + $"images of {widths[o]}.");
            features[o] = new float[count][];
            for (int i = 0; i < count; i++) features[o][i] = values.AsSpan(i * widths[o], widths[o]).ToArray();
        }
        return features;
    }

    public void Dispose()
    {
        preprocess.Dispose();
        network.Dispose();
    }
}
