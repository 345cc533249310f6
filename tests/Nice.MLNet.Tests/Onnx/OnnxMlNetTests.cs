using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Onnx;

/// <summary>The unbatched forward graph is what ML.NET's OnnxTransformer can run row by row.</summary>
public class OnnxMlNetTests
{
    private const int D = 6;

    private sealed class Row
    {
        [VectorType(D)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class Scored
    {
        [VectorType(D)] public float[] Latent { get; set; } = Array.Empty<float>();
        [VectorType(1)] public float[] LogLikelihood { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void UnbatchedForwardGraph_InOnnxTransformer_MatchesTorch()
    {
        using var scope = NewDisposeScope();
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(D, 4, 2, 16, NiceActivation.LeakyReLU, NicePartition.Interleaved, NicePrior.Logistic), seed: 41, scale: 0.4);
        var dq = new Dequantization(256, 1.0, 0.0);
        var raw = randint(0, 256, new long[] { 5, D }, generator: new Generator(42)).to(ScalarType.Float32);
        using var _ = no_grad();
        var (z, ll) = flow.Encode(dq.ToFlow(raw, noise: false));

        var path = Path.Combine(Path.GetTempPath(), $"nice-onnx-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, NiceOnnx.ExportForward(flow, dq, batched: false));
        try
        {
            var ml = new MLContext(seed: 0);
            var rows = Enumerable.Range(0, 5).Select(i => new Row { Features = raw[i].data<float>().ToArray() }).ToList();
            var data = ml.Data.LoadFromEnumerable(rows);
            var model = ml.Transforms.ApplyOnnxModel(new[] { "Latent", "LogLikelihood" }, new[] { "Features" }, path).Fit(data);
            var scored = ml.Data.CreateEnumerable<Scored>(model.Transform(data), reuseRowObject: false).ToList();
            (model as IDisposable)?.Dispose();
            Assert.Equal(5, scored.Count);
            for (int i = 0; i < 5; i++)
            {
                OnnxAssert.Close(z[i].data<float>().ToArray(), scored[i].Latent, 1e-4, $"latent of row {i}");
                OnnxAssert.Close(new[] { ll[i].item<float>() }, scored[i].LogLikelihood, 1e-4, $"log-likelihood of row {i}");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
