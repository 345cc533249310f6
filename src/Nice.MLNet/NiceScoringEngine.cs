namespace Nice.MLNet;

/// <summary>
/// Which engine computes the latent code and log-likelihood when a model scores rows (<c>Transform</c>, the array
/// API, <c>PredictionEngine</c>, the anomaly detector). Both give the same values, to float32 rounding of a different
/// matrix-multiply library (|Δ log p| ≤ 1e-4·max(1, |log p|)).
/// </summary>
public enum NiceScoringEngine
{
    /// <summary>
    /// The documented rule: <see cref="OnnxRuntime"/> when the model is on the CPU (every model read from a file),
    /// <see cref="TorchSharp"/> on CUDA, or when the application has no ONNX Runtime native library (the package
    /// Microsoft.ML.OnnxRuntime). No timing is involved, so the choice is the same on every run.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// ONNX Runtime runs the model's exact batched ONNX graph (the one <c>ExportOnnx</c> writes), built in memory on
    /// first use. Needs no libtorch for a model read from a file.
    /// </summary>
    OnnxRuntime = 1,

    /// <summary>TorchSharp (libtorch) runs the flow itself, on the model's device.</summary>
    TorchSharp = 2,
}
