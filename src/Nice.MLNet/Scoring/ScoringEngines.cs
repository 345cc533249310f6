using System;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;

namespace Nice.MLNet.Scoring;

/// <summary>
/// The rule that picks a model's scoring engine, and the engine it picks. <see cref="NiceScoringEngine.Auto"/> is ONNX
/// Runtime on the CPU and TorchSharp on CUDA, or on the CPU when the application has no ONNX Runtime native library:
/// a fixed rule, not a timing at load, so the same model scores the same way on every run (docs/perf-design.md §2 has
/// the measurements behind it).
/// </summary>
internal static class ScoringEngines
{
    /// <summary>The engine <paramref name="requested"/> means for a model on <paramref name="device"/>.</summary>
    public static NiceScoringEngine Resolve(NiceScoringEngine requested, string device) => requested switch
    {
        NiceScoringEngine.Auto => device.StartsWith("cuda", StringComparison.Ordinal) || !OnnxRuntimeNative.IsAvailable
            ? NiceScoringEngine.TorchSharp
            : NiceScoringEngine.OnnxRuntime,
        NiceScoringEngine.OnnxRuntime or NiceScoringEngine.TorchSharp => requested,
        _ => throw new ArgumentOutOfRangeException(nameof(requested), requested, "Unknown scoring engine."),
    };

    /// <summary>
    /// The engine for <paramref name="flow"/>: <paramref name="kind"/> resolved, with the <see cref="ThreadPolicy"/>
    /// count for <paramref name="threads"/> at <paramref name="batch"/> rows per batch.
    /// The ONNX Runtime engine rescores float32 overflows on <paramref name="torch"/>.
    /// </summary>
    public static IScoringEngine Create(NiceScoringEngine kind, LazyFlow flow, Dequantization? dequantization,
        int threads, int batch, Func<IScoringEngine> torch)
    {
        return kind switch
        {
            NiceScoringEngine.OnnxRuntime => new OrtScoringEngine(flow, dequantization,
                ThreadPolicy.ForOnnxRuntime(threads), torch),
            NiceScoringEngine.TorchSharp => new TorchScoringEngine(flow, dequantization,
                ThreadPolicy.ForTorch(threads, flow.Config, batch)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Resolve the engine first."),
        };
    }
}
