using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Nice.MLNet.Tests.Onnx;

/// <summary>ONNX bytes loaded in ONNX Runtime: one float input in, every output back as (values, shape).</summary>
internal sealed class Ort : IDisposable
{
    private readonly SessionOptions options;
    private readonly InferenceSession session;

    public Ort(byte[] model)
    {
        options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        session = new InferenceSession(model, options);
    }

    public Dictionary<string, (float[] Values, long[] Shape)> Run(string inputName, float[] values, params int[] shape)
    {
        var input = NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(values, shape));
        using var results = session.Run(new[] { input });
        return results.ToDictionary(
            r => r.Name,
            r =>
            {
                var t = r.AsTensor<float>();
                return (t.ToArray(), t.Dimensions.ToArray().Select(d => (long)d).ToArray());
            });
    }

    /// <summary>One run on a fresh session.</summary>
    public static Dictionary<string, (float[] Values, long[] Shape)> Once(byte[] model, string inputName, float[] values, params int[] shape)
    {
        using var ort = new Ort(model);
        return ort.Run(inputName, values, shape);
    }

    public void Dispose()
    {
        session.Dispose();
        options.Dispose();
    }
}
