using System;
using System.Buffers;
using System.Collections.Generic;
using Microsoft.ML.OnnxRuntime;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;

namespace Nice.MLNet.Scoring;

/// <summary>
/// Scoring on ONNX Runtime: an <see cref="InferenceSession"/> on the flow's exact batched forward graph
/// (<see cref="NiceOnnx.ExportForward(FlowWeights, Dequantization?, bool, IReadOnlyDictionary{string, string}?,
/// string, string, string, string?)"/> without its integrity output, dequantization at the bin centre included), built
/// in memory from the weights on the first batch — without TorchSharp when the model was read from a file — and
/// released with the engine. The session has its own thread count (<c>IntraOpNumThreads</c>, threads that sleep rather
/// than spin while they wait), so scoring never changes libtorch's. Outputs are written straight into the caller's
/// arrays. Rows with NaN/∞ are scored as zeros and get NaN; a finite row whose float32 result is not finite goes to the
/// overflow engine (TorchSharp's float64 rescoring).
/// </summary>
internal sealed class OrtScoringEngine : IScoringEngine
{
    private const string InputName = "x", LatentName = "z", LogLikelihoodName = "ll";
    private static readonly string[] Inputs = { InputName };

    private readonly LazyFlow flow;
    private readonly Dequantization? dequantization;
    private readonly int threads;
    private readonly Func<IScoringEngine> overflow;
    private readonly object gate = new();
    private InferenceSession? session;
    private bool disposed;

    /// <param name="flow">The flow (owned by the caller).</param>
    /// <param name="dequantization">Applied to the rows first, at the bin centre (part of the graph).</param>
    /// <param name="threads">ONNX Runtime's intra-op threads for this session (≥ 1).</param>
    /// <param name="overflow">The engine that rescores rows whose float32 result is not finite.</param>
    public OrtScoringEngine(LazyFlow flow, Dequantization? dequantization, int threads, Func<IScoringEngine> overflow)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "At least one thread.");
        this.flow = flow;
        this.dequantization = dequantization;
        this.threads = threads;
        this.overflow = overflow;
    }

    public NiceScoringEngine Kind => NiceScoringEngine.OnnxRuntime;

    /// <summary>ONNX Runtime's intra-op thread count of the session.</summary>
    public int Threads => threads;

    /// <summary>True once the session exists.</summary>
    public bool IsLoaded
    {
        get { lock (gate) return session != null; }
    }

    public void Score(ReadOnlySpan<float> input, int rows, float[]? latent, float[]? logLikelihood)
    {
        if (rows == 0 || latent is null && logLikelihood is null) return;
        int d = flow.Dimension;
        if (input.Length < rows * d)
            throw new ArgumentException($"{input.Length} values hold fewer than {rows} rows of {d}.", nameof(input));
        var s = Session();
        var bad = NonFiniteRows.Find(input, rows, d);
        var buffer = ArrayPool<float>.Shared.Rent(rows * d);
        try
        {
            input[..(rows * d)].CopyTo(buffer);
            if (bad != null)
                for (int r = 0; r < rows; r++)
                    if (bad[r]) Array.Clear(buffer, r * d, d);
            // A kernel mixture's graph forms rows × n × D differences: bounded passes keep that within memory.
            int pass = KernelMixture.RowsPerPass(flow.Config, rows);
            for (int start = 0; start < rows; start += pass)
                Run(s, buffer, start, Math.Min(pass, rows - start), d, latent, logLikelihood);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
        Rescore(input, rows, d, bad, latent, logLikelihood);
        if (bad != null) NonFiniteRows.MarkNaN(bad, d, latent, logLikelihood);
    }

    /// <summary>One session run on the rows [<paramref name="start"/>, start + <paramref name="rows"/>) of the
    /// buffers.</summary>
    private static void Run(InferenceSession s, float[] x, int start, int rows, int d, float[]? latent,
        float[]? logLikelihood)
    {
        var names = new List<string>(2);
        var values = new List<OrtValue>(3);
        try
        {
            values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                x.AsMemory(start * d, rows * d), new long[] { rows, d }));
            if (latent != null)
            {
                names.Add(LatentName);
                values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    latent.AsMemory(start * d, rows * d), new long[] { rows, d }));
            }
            if (logLikelihood != null)
            {
                names.Add(LogLikelihoodName);
                values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    logLikelihood.AsMemory(start, rows), new long[] { rows }));
            }
            using var options = new RunOptions();
            s.Run(options, Inputs, values.GetRange(0, 1), names, values.GetRange(1, values.Count - 1));
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Finite rows whose float32 outputs are not finite, scored again by the overflow engine.</summary>
    private void Rescore(ReadOnlySpan<float> input, int rows, int d, bool[]? bad, float[]? latent,
        float[]? logLikelihood)
    {
        List<int>? wide = null;
        for (int r = 0; r < rows; r++)
        {
            if (bad != null && bad[r]) continue;
            bool finite = logLikelihood is null || float.IsFinite(logLikelihood[r]);
            if (finite && latent != null)
                foreach (var v in latent.AsSpan(r * d, d))
                    if (!float.IsFinite(v)) { finite = false; break; }
            if (!finite) (wide ??= new List<int>()).Add(r);
        }
        if (wide is null) return;
        var x = new float[wide.Count * d];
        for (int k = 0; k < wide.Count; k++) input.Slice(wide[k] * d, d).CopyTo(x.AsSpan(k * d, d));
        var z = latent is null ? null : new float[x.Length];
        var ll = logLikelihood is null ? null : new float[wide.Count];
        try
        {
            overflow().Score(x, wide.Count, z, ll);
        }
        catch (Exception e) when (e is DllNotFoundException
                                  || e is TypeInitializationException { InnerException: DllNotFoundException })
        {
            throw new InvalidOperationException($"Row {wide[0]} of the batch is finite but overflows float32 inside "
                + "the flow (values near ±3.4e38). Such rows are scored again in float64 by TorchSharp, whose native "
                + "library (libtorch) this application does not have: add a TorchSharp backend package (e.g. "
                + "libtorch-cpu-linux-x64) to score them, or keep the values in float32's range.", e);
        }
        for (int k = 0; k < wide.Count; k++)
        {
            if (ll != null) logLikelihood![wide[k]] = ll[k];
            z?.AsSpan(k * d, d).CopyTo(latent.AsSpan(wide[k] * d, d));
        }
    }

    private InferenceSession Session()
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (session != null) return session;
            byte[] graph;
            using (var weights = flow.Weights())
                graph = NiceOnnx.ExportForward(weights, dequantization, batched: true, null, InputName, LatentName,
                    LogLikelihoodName);
            try
            {
                using var options = new SessionOptions
                {
                    IntraOpNumThreads = threads,
                    InterOpNumThreads = 1,
                    ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                };
                // Waiting threads sleep instead of spinning, as libtorch's do under the library's passive wait
                // policy: a spinning thread takes the core its descheduled partner needs on a busy machine.
                options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                return session = new InferenceSession(graph, options);
            }
            catch (Exception e) when (e is DllNotFoundException
                                      || e is TypeInitializationException { InnerException: DllNotFoundException })
            {
                throw OnnxRuntimeNative.Missing(e);
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            session?.Dispose();
            session = null;
        }
    }
}
