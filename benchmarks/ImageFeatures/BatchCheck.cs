using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Transforms.Onnx;

namespace Nice.MLNet.ImageFeatures;

/// <summary>The batched ONNX Runtime path gives ML.NET's DnnFeaturizeImage features (same pixels in, same model).</summary>
public static class BatchCheck
{
    public static double MaxDifference(GrayImages images, int count, int threads, TextWriter log)
    {
        var ml = new MLContext(0);
        ml.SetOnnxSessionOption(new OnnxSessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 });
        var data = ImagePipeline.InMemory(ml, images, 0, count);
        var model = ImagePipeline.PixelSteps(ml).Append(ImagePipeline.ResNet18(ml)).Fit(data);
        var scored = model.Transform(data);
        var mlnet = ImagePipeline.Column(scored, "Features").ToArray();
        var pixels = ImagePipeline.Column(scored, "Pixels").ToArray();
        using var featurizer = new ResNetBatchFeaturizer(ImagePipeline.ModelDirectory, threads);
        var flat = pixels.SelectMany(p => p).ToArray();
        var batched = featurizer.Run(flat, count);
        double max = 0, scale = 0;
        for (int i = 0; i < count; i++)
            for (int j = 0; j < ImagePipeline.FeatureDimension; j++)
            {
                max = Math.Max(max, Math.Abs(mlnet[i][j] - batched[i * ImagePipeline.FeatureDimension + j]));
                scale = Math.Max(scale, Math.Abs(mlnet[i][j]));
            }
        var p0 = pixels[0];
        int plane = ImagePipeline.Size * ImagePipeline.Size;
        bool replicated = Enumerable.Range(0, plane).All(k => p0[k] == p0[plane + k] && p0[k] == p0[2 * plane + k]);
        log.WriteLine($"{count} images of {images.Name}: ML.NET DnnFeaturizeImage vs batched ONNX Runtime, max |difference| {max:G3} (largest feature {scale:G4});"
            + $" pixels 0..{p0.Max()} planar, R = G = B planes: {replicated}; features >= 0: {mlnet.All(r => r.All(v => v >= 0))}");
        return max;
    }
}
