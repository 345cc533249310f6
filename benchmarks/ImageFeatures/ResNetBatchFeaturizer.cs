using System;
using System.IO;
using Microsoft.ML.OnnxRuntime;
using Nice.MLNet.Images;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// The featurizer package's two ONNX models (ResNetPreprocess.onnx, ResNet18.onnx) run on batches by the library's
/// <c>BatchedResNet</c> (the fixed batch dimension 1 of both graphs made symbolic, so one Run call featurizes N
/// images), with a chosen number of ONNX Runtime threads. Input: N planar R,G,B 224x224 images on 0..255 (what
/// ExtractPixels gives); output: N x 512 (ResNet-18's global average pool).
/// </summary>
public sealed class ResNetBatchFeaturizer : IDisposable
{
    private readonly SessionOptions options;
    private readonly BatchedResNet network;

    public ResNetBatchFeaturizer(string modelDirectory, int threads)
    {
        options = new SessionOptions
        {
            IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        network = new BatchedResNet(Existing(Path.Combine(modelDirectory, "ResNetPrepOnnx", "ResNetPreprocess.onnx")),
            OnnxBatchDimension.MakeSymbolic(File.ReadAllBytes(
                Existing(Path.Combine(modelDirectory, "ResNet18Onnx", "ResNet18.onnx")))),
            new[] { ResNetGridTaps.PoolOutput }, new[] { ImagePipeline.FeatureDimension }, options);
    }

    private static string Existing(string path)
        => File.Exists(path) ? path
            : throw new FileNotFoundException($"{path} not found: reference Microsoft.ML.DnnImageFeaturizer.ResNet18 (it copies DnnImageModels/ to the output folder).", path);

    /// <summary>Features of <paramref name="count"/> images laid out one after another in <paramref name="pixels"/> (count x 3 x 224 x 224).</summary>
    public float[] Run(float[] pixels, int count)
    {
        var images = network.Run(pixels, count)[0];
        var features = new float[count * ImagePipeline.FeatureDimension];
        for (int i = 0; i < count; i++) images[i].CopyTo(features, i * ImagePipeline.FeatureDimension);
        return features;
    }

    public void Dispose()
    {
        network.Dispose();
        options.Dispose();
    }
}
