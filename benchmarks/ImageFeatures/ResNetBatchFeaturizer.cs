using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// The featurizer package's two ONNX models (ResNetPreprocess.onnx, ResNet18.onnx) run on batches with ONNX Runtime directly: the
/// fixed batch dimension 1 of both graphs is made symbolic (<c>OnnxBatchDimension</c> of the library), so one Run call featurizes N images.
/// Input: N planar R,G,B 224x224 images on 0..255 (what ExtractPixels gives); output: N x 512 (ResNet-18's global average pool).
/// </summary>
public sealed class ResNetBatchFeaturizer : IDisposable
{
    private readonly InferenceSession preprocess, network;

    public ResNetBatchFeaturizer(string modelDirectory, int threads)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        preprocess = new InferenceSession(Patched(Path.Combine(modelDirectory, "ResNetPrepOnnx", "ResNetPreprocess.onnx")), options);
        network = new InferenceSession(Patched(Path.Combine(modelDirectory, "ResNet18Onnx", "ResNet18.onnx")), options);
    }

    private static byte[] Patched(string path)
        => File.Exists(path) ? Nice.MLNet.Images.OnnxBatchDimension.MakeSymbolic(File.ReadAllBytes(path))
            : throw new FileNotFoundException($"{path} not found: reference Microsoft.ML.DnnImageFeaturizer.ResNet18 (it copies DnnImageModels/ to the output folder).", path);

    /// <summary>Features of <paramref name="count"/> images laid out one after another in <paramref name="pixels"/> (count x 3 x 224 x 224).</summary>
    public float[] Run(float[] pixels, int count)
    {
        if (pixels.Length < count * ImagePipeline.Pixels) throw new ArgumentException($"pixels: {pixels.Length} values for {count} images of {ImagePipeline.Pixels}.");
        var shape = new[] { count, 3, ImagePipeline.Size, ImagePipeline.Size };
        var input = new DenseTensor<float>(new Memory<float>(pixels, 0, count * ImagePipeline.Pixels), shape);
        using var prepared = preprocess.Run(new[] { NamedOnnxValue.CreateFromTensor("OriginalInput", input) });
        var centred = prepared.First().AsTensor<float>();
        using var output = network.Run(new[] { NamedOnnxValue.CreateFromTensor("Input247", centred) });
        var features = output.First().AsTensor<float>();
        if (features.Length != count * ImagePipeline.FeatureDimension) throw new InvalidDataException($"ResNet-18 returned {features.Length} values for {count} images.");
        return features.ToArray();
    }

    public void Dispose()
    {
        preprocess.Dispose();
        network.Dispose();
    }
}
