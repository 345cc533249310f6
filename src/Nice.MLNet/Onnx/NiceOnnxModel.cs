using System;
using System.Collections.Generic;
using Nice.MLNet.Flow;

namespace Nice.MLNet.Onnx;

/// <summary>
/// A flow rebuilt from ONNX bytes written by <see cref="NiceOnnx"/>: the <see cref="NiceFlow"/> (CPU, float32,
/// eval mode) with the exported weights, its dequantization, and the caller's metadata. Owns the flow.
/// </summary>
internal sealed class NiceOnnxModel : IDisposable
{
    public NiceOnnxModel(NiceFlow flow, Dequantization? dequantization, IReadOnlyDictionary<string, string> metadata,
        NiceGraphKind graph, bool batched, IReadOnlyList<string> inputNames, IReadOnlyList<string> outputNames)
    {
        Flow = flow;
        Dequantization = dequantization;
        Metadata = metadata;
        Graph = graph;
        Batched = batched;
        InputNames = inputNames;
        OutputNames = outputNames;
    }

    public NiceFlow Flow { get; }

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

    public void Dispose() => Flow.Dispose();
}
