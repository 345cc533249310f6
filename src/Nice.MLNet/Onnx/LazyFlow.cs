using System;
using Nice.MLNet.Flow;

namespace Nice.MLNet.Onnx;

/// <summary>
/// A flow known by its config and weights, whose TorchSharp <see cref="NiceFlow"/> is made only when something needs
/// it (sampling, inverse, inpainting, training, the TorchSharp scoring engine). A fitted model starts with its flow; a
/// model read from a file starts with the file's checked weights (<see cref="SavedWeights"/>), so it can be inspected,
/// exported, saved and scored on ONNX Runtime without loading libtorch. Owns the flow.
/// </summary>
internal sealed class LazyFlow : IDisposable
{
    private readonly object gate = new();
    private SavedWeights? saved;
    private NiceFlow? flow;
    private bool disposed;

    /// <summary>A flow that exists already (it now belongs to this object).</summary>
    public LazyFlow(NiceFlow flow)
    {
        this.flow = flow;
        Config = flow.Config;
        flow.eval();
    }

    /// <summary>A flow read from a file, built from <paramref name="weights"/> on first use.</summary>
    public LazyFlow(SavedWeights weights)
    {
        saved = weights;
        Config = weights.Config;
    }

    public FlowConfig Config { get; }

    public int Dimension => Config.Dimension;

    /// <summary>True once the TorchSharp flow exists (libtorch is then loaded).</summary>
    public bool HasFlow
    {
        get { lock (gate) return flow != null; }
    }

    /// <summary>The TorchSharp flow, built from the saved weights on the first call (CPU, float32, eval
    /// mode).</summary>
    public NiceFlow Flow
    {
        get
        {
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                if (flow is null)
                {
                    flow = NiceOnnx.BuildFlow(saved!);
                    saved = null;   // the flow holds the values now
                }
                return flow;
            }
        }
    }

    /// <summary>
    /// The weights to read values or build a graph from (dispose it after use): the saved ones while there is no
    /// flow, the flow's own otherwise.
    /// </summary>
    public FlowWeights Weights()
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return saved is { } w ? new Borrowed(w) : new ModuleWeights(flow!);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            flow?.Dispose();
            flow = null;
            saved = null;
        }
    }

    /// <summary>The saved weights lent out: disposing the loan leaves them alone.</summary>
    private sealed class Borrowed : FlowWeights
    {
        private readonly SavedWeights inner;

        public Borrowed(SavedWeights inner) : base(inner.Layout) => this.inner = inner;

        public override ReadOnlySpan<float> Parameter(string name) => inner.Parameter(name);
        public override long[] Permutation(string prefix) => inner.Permutation(prefix);
        public override float[] Sign(string prefix) => inner.Sign(prefix);
        public override WhiteningParts Whitening(string prefix) => inner.Whitening(prefix);
        public override (float[] Basis, float[] Radius) Radial(string prefix) => inner.Radial(prefix);
    }
}
