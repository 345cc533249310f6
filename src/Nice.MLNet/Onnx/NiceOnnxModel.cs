using System;
using System.Collections.Generic;
using Nice.MLNet.Flow;

namespace Nice.MLNet.Onnx;

/// <summary>
/// A model read from ONNX bytes written by <see cref="NiceOnnx"/>: the flow (its weights checked at reading, the
/// TorchSharp <see cref="NiceFlow"/> built on first use of <see cref="Flow"/>), its dequantization, and the caller's
/// metadata. Owns the flow.
/// </summary>
internal sealed class NiceOnnxModel : IDisposable
{
    public NiceOnnxModel(LazyFlow flow, Dequantization? dequantization, IReadOnlyDictionary<string, string> metadata,
        NiceGraphKind graph, bool batched, IReadOnlyList<string> inputNames, IReadOnlyList<string> outputNames)
    {
        Lazy = flow;
        Dequantization = dequantization;
        Metadata = metadata;
        Graph = graph;
        Batched = batched;
        InputNames = inputNames;
        OutputNames = outputNames;
    }

    /// <summary>The flow, not yet built.</summary>
    public LazyFlow Lazy { get; }

    /// <summary>The TorchSharp flow (CPU, float32, eval mode), built on the first call.</summary>
    public NiceFlow Flow => Lazy.Flow;

    public FlowConfig Config => Lazy.Config;

    /// <summary>The dequantization the graph applied to its input (forward) or output (inverse), or null.</summary>
    public Dequantization? Dequantization { get; }

    /// <summary>The caller's metadata entries (those not starting with "nice.").</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Which direction the ONNX graph computes.</summary>
    public NiceGraphKind Graph { get; }

    /// <summary>True when the graph's input is [N, D]; false when it is one row [D].</summary>
    public bool Batched { get; }

    /// <summary>The graph's input names, in order.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>The graph's output names, in order (forward: latent, log-likelihood; inverse: features).</summary>
    public IReadOnlyList<string> OutputNames { get; }

    public void Dispose() => Lazy.Dispose();
}
