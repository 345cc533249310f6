using System;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Nice.MLNet.Scoring;

/// <summary>
/// Whether ONNX Runtime's native library ("onnxruntime", from the application's <c>Microsoft.ML.OnnxRuntime</c>
/// package) can be loaded. The library references ONNX Runtime's managed part only, as ML.NET's OnnxTransformer does,
/// so an application may not have the native part; the automatic scoring engine then uses TorchSharp.
/// </summary>
internal static class OnnxRuntimeNative
{
    private static readonly Lazy<bool> Loadable = new(() =>
    {
        // The same search a DllImport of the managed package's assembly makes (its deps.json native assets first).
        if (!NativeLibrary.TryLoad("onnxruntime", typeof(InferenceSession).Assembly, null, out var handle))
            return false;
        NativeLibrary.Free(handle);
        return true;
    });

    public static bool IsAvailable => Loadable.Value;

    /// <summary>The error for scoring explicitly asked to run on ONNX Runtime in an application without it.</summary>
    public static InvalidOperationException Missing(Exception? inner) => new(
        "ScoringEngine = OnnxRuntime needs ONNX Runtime's native library, which this application does not have: add "
        + "the package Microsoft.ML.OnnxRuntime (1.31.1), or score on TorchSharp (ScoringEngine = Auto or "
        + "TorchSharp).", inner);
}
