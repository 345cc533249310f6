using System;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;

namespace Nice.MLNet.Scoring;

/// <summary>
/// Scoring on TorchSharp: the <see cref="FlowScorer"/> of the flow (built on first use when the model was read from a
/// file), with libtorch's thread count set to this engine's for each batch and restored afterwards, on the calling
/// thread.
/// </summary>
internal sealed class TorchScoringEngine : IScoringEngine
{
    private readonly LazyFlow flow;
    private readonly Dequantization? dequantization;
    private readonly int threads;
    private readonly object gate = new();
    private FlowScorer? scorer;

    /// <param name="flow">The flow (owned by the caller).</param>
    /// <param name="dequantization">Applied to the rows first, at the bin centre.</param>
    /// <param name="threads">libtorch's thread count while scoring; 0 leaves it as it is.</param>
    public TorchScoringEngine(LazyFlow flow, Dequantization? dequantization, int threads)
    {
        this.flow = flow;
        this.dequantization = dequantization;
        this.threads = threads;
    }

    public NiceScoringEngine Kind => NiceScoringEngine.TorchSharp;

    /// <summary>The flow's scorer (which also scores with dequantization noise).</summary>
    public FlowScorer Scorer
    {
        get
        {
            lock (gate) return scorer ??= new FlowScorer(flow.Flow, dequantization);
        }
    }

    public void Score(ReadOnlySpan<float> input, int rows, float[]? latent, float[]? logLikelihood)
    {
        if (rows == 0) return;
        var s = Scorer;
        int previous = LibTorchThreads.Set(threads);
        try { s.Score(input, rows, latent, logLikelihood); }
        finally { LibTorchThreads.Restore(previous); }
    }

    public void Dispose()
    {
        lock (gate)
        {
            scorer?.Dispose();
            scorer = null;
        }
    }
}
