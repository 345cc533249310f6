using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Flow;
using Nice.MLNet.Mapping;
using Nice.MLNet.Onnx;
using Nice.MLNet.Persistence;
using Nice.MLNet.Scoring;
using static TorchSharp.torch;

namespace Nice.MLNet;

/// <summary>
/// A trained NICE flow as an ML.NET transformer. <see cref="Transform"/> appends the latent code h = f(x) (vector of D
/// Single) and log p(x) = Σᵢ log p_H(hᵢ) + Σᵢ sᵢ (Single, nats), lazily and in batches. The density API works on
/// arrays: <see cref="LogLikelihood"/>, <see cref="Encode"/>, <see cref="Inverse"/> (decode), <see cref="Sample"/> (x =
/// f⁻¹(h), h ~ p_H) and <see cref="Evaluate"/>. Pictures, grids and inpainting are extension methods in
/// <c>Nice.MLNet.Images</c>.
/// </summary>
/// <remarks>
/// Every array method works in the space of this transformer's input column. When a normalizer (or any transform)
/// precedes NICE in a pipeline, that is the normalized space: feed rows transformed by the earlier steps, and map
/// samples or decoded rows back through the inverse of those steps yourself.
/// </remarks>
public sealed class NiceTransformer : ITransformer, IDisposable, IBatchMapper
{
    private readonly LazyFlow flow;
    private readonly Dequantization? dequantization;
    private readonly NiceColumns columns;
    private readonly TorchScoringEngine torch;
    private readonly IScoringEngine engine;
    private bool disposed;

    /// <summary>
    /// A transformer around <paramref name="flow"/> (it takes ownership), scoring on the engine of
    /// <paramref name="scoring"/> resolved for its device, with its threads (0 = automatic; see
    /// <see cref="NiceOptions.Threads"/>).
    /// </summary>
    internal NiceTransformer(LazyFlow flow, Dequantization? dequantization, NiceColumns columns, int scoringBatchSize,
        NiceTrainingSummary? summary, ScoringChoice scoring)
    {
        var (engine, threads, device) = scoring;
        this.flow = flow;
        this.dequantization = dequantization;
        this.columns = columns;
        ScoringBatchSize = scoringBatchSize;
        TrainingSummary = summary;
        torch = new TorchScoringEngine(flow, dequantization,
            ThreadPolicy.ForTorch(threads, flow.Config, scoringBatchSize));
        this.engine = ScoringEngines.Resolve(engine, device) == NiceScoringEngine.TorchSharp
            ? torch
            : ScoringEngines.Create(NiceScoringEngine.OnnxRuntime, flow, dequantization, threads, scoringBatchSize,
                () => torch);
    }

    /// <summary>The TorchSharp flow; made from the saved weights on first use when this model was read from a file
    /// (which loads libtorch).</summary>
    internal NiceFlow Flow => flow.Flow;
    internal LazyFlow Lazy => flow;
    /// <summary>How this model was trained (its held-out rows and folds); null for a model read from a file.</summary>
    internal NiceTrainingPlan? TrainingPlan { get; init; }
    internal Dequantization? Dequantization => dequantization;
    internal NiceColumns Columns => columns;
    /// <summary>The engine that scores rows (<see cref="ScoringEngine"/>).</summary>
    internal IScoringEngine Scorer => engine;
    /// <summary>The TorchSharp engine (the scorer when <see cref="ScoringEngine"/> is TorchSharp).</summary>
    internal TorchScoringEngine TorchScorer => torch;

    /// <summary>
    /// The engine that computes <see cref="Transform"/>, <see cref="LogLikelihood"/>, <see cref="Encode"/>,
    /// PredictionEngine and anomaly scores: <see cref="NiceScoringEngine.OnnxRuntime"/> or
    /// <see cref="NiceScoringEngine.TorchSharp"/>, chosen by <see cref="NiceOptions.ScoringEngine"/> (a model read from
    /// a file: the loader's <c>scoringEngine</c>, by default <see cref="NiceScoringEngine.Auto"/>, i.e. ONNX Runtime).
    /// </summary>
    public NiceScoringEngine ScoringEngine => engine.Kind;

    /// <summary>The input column's name.</summary>
    public string InputColumnName => columns.Input;
    /// <summary>The latent output column's name.</summary>
    public string LatentColumnName => columns.Latent;
    /// <summary>The log-likelihood output column's name.</summary>
    public string LogLikelihoodColumnName => columns.LogLikelihood;
    /// <summary>D, the size of the input vectors.</summary>
    public int Dimension => flow.Dimension;
    /// <summary>The prior of the latent code.</summary>
    public NicePrior Prior => flow.Config.Prior;
    /// <summary>Quantization levels (0 when the data are continuous); see
    /// <see cref="NiceOptions.DequantizationLevels"/>.</summary>
    public int DequantizationLevels => dequantization?.Levels ?? 0;
    /// <summary>Rows per forward pass when scoring an IDataView.</summary>
    public int ScoringBatchSize { get; }
    /// <summary>Per-epoch history and row counts of the Fit that made this model (null for a model loaded without
    /// it).</summary>
    public NiceTrainingSummary? TrainingSummary { get; }

    /// <summary>Always true: <c>mlContext.Model.CreatePredictionEngine</c> works.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>
    /// The scaling layer's log-scales s (length D), h = exp(s) ⊙ y. Like a PCA spectrum (the paper's §3.3), a large sᵢ
    /// marks a dimension the model squeezes (little variation, unimportant) and a small sᵢ one that carries much
    /// variation: exp(−sᵢ) reads as importance. For an ensemble (<see cref="NiceOptions.EnsembleMembers"/>), flow 0's.
    /// </summary>
    public float[] LogScale
    {
        get
        {
            ThrowIfDisposed();
            using var weights = flow.Weights();
            return weights.Parameter(new FlowLayout(flow.Config).ScalingParameter).ToArray();
        }
    }

    /// <summary>Every trained parameter by name (e.g. "layers.0.m.layers.linear0.weight"), with its shape and
    /// values.</summary>
    public IReadOnlyList<NiceParameter> GetParameters()
    {
        ThrowIfDisposed();
        using var weights = flow.Weights();
        return weights.Layout.Parameters
            .Select(p => new NiceParameter(p.Name, p.Shape.ToArray(), weights.Parameter(p.Name).ToArray()))
            .ToArray();
    }

    /// <summary>
    /// Bits per dimension of a log-likelihood from this model: on the [0, L) scale with dequantization, −log p/(D·ln 2)
    /// otherwise.
    /// </summary>
    public double BitsPerDim(double logLikelihood) => Units.BitsPerDim(logLikelihood, Dimension, dequantization);

    /// <summary>
    /// The input schema plus the latent and log-likelihood columns. Throws naming the column when the input is missing
    /// or of the wrong type or size.
    /// </summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Plan(inputSchema).Schema;

    /// <summary>
    /// Lazily appends the latent and log-likelihood columns; rows are scored <see cref="ScoringBatchSize"/> at a time
    /// as a cursor moves.
    /// </summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchedDataView(input, Plan(input.Schema), this, ScoringBatchSize);
    }

    /// <summary>A row-to-row mapper for <c>PredictionEngine</c> (one row per forward pass).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
        => new AppendingRowMapper(Plan(inputSchema), this);

    private AppendedSchema Plan(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ThrowIfDisposed();
        return new AppendedSchema(inputSchema, columns.Input, Dimension, columns.Appended(Dimension));
    }

    void IBatchMapper.Map(ReadOnlySpan<float> features, int rows, BatchOutputs outputs)
    {
        ThrowIfDisposed();
        engine.Score(features, rows, outputs.Floats(0), outputs.Floats(1));
    }

    /// <summary>log p(x) in nats of each row (batched).</summary>
    public float[] LogLikelihood(IReadOnlyList<float[]> rows)
    {
        ThrowIfDisposed();
        var flat = RowArrays.Flatten(rows, Dimension, nameof(rows));
        var ll = new float[rows.Count];
        engine.Score(flat, rows.Count, null, ll);
        return ll;
    }

    /// <summary>The latent code h = f(x) of each row (batched).</summary>
    public float[][] Encode(IReadOnlyList<float[]> rows)
    {
        ThrowIfDisposed();
        var flat = RowArrays.Flatten(rows, Dimension, nameof(rows));
        var z = new float[flat.Length];
        engine.Score(flat, rows.Count, z, null);
        return RowArrays.Split(z, rows.Count, Dimension);
    }

    /// <summary>
    /// Decodes latent codes: x = f⁻¹(h), in the input's units (mapped back from the dequantized space when
    /// dequantization is on). A kernel mixture (<see cref="NiceOptions.KernelMixture"/>) has no inverse of a code alone
    /// and throws <see cref="NotSupportedException"/>; its <see cref="Sample"/> is exact.
    /// </summary>
    public float[][] Inverse(IReadOnlyList<float[]> latents)
    {
        ThrowIfDisposed();
        var flat = RowArrays.Flatten(latents, Dimension, nameof(latents));
        if (latents.Count == 0) return Array.Empty<float[]>();
        var nice = Flow;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var z = HostTensors.FromRows(flat, latents.Count, Dimension).to(nice.Device);
        return RowArrays.Split(FromFlowSpace(nice.Inverse(z)), latents.Count, Dimension);
    }

    /// <summary>
    /// Draws <paramref name="count"/> samples x = f⁻¹(h), h ~ p_H with each latent coordinate's standard deviation
    /// multiplied by <paramref name="temperature"/> (1 = the model's density; 0.75 is the usual "annealed" choice for
    /// sharper samples).
    /// </summary>
    public float[][] Sample(int count, double temperature = 1.0, int seed = 0)
    {
        ThrowIfDisposed();
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be >= 0.");
        if (!(temperature >= 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                "temperature must be a finite number >= 0.");
        if (count == 0) return Array.Empty<float[]>();
        var nice = Flow;
        using var generator = new Generator((ulong)(uint)seed);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return RowArrays.Split(FromFlowSpace(nice.Sample(count, temperature, generator)), count, Dimension);
    }

    /// <summary>Like <see cref="Sample"/>, as an IDataView with one column named and typed like the input (vector of D
    /// Single).</summary>
    public IDataView SampleDataView(MLContext mlContext, int count, double temperature = 1.0, int seed = 0)
        => RowArrays.ToDataView(mlContext, Sample(count, temperature, seed), columns.Input, Dimension);

    /// <summary>Like <see cref="Inverse"/>, as an IDataView with one column named and typed like the input.</summary>
    public IDataView InverseDataView(MLContext mlContext, IReadOnlyList<float[]> latents)
        => RowArrays.ToDataView(mlContext, Inverse(latents), columns.Input, Dimension);

    /// <summary>
    /// Mean log-likelihood of <paramref name="data"/>'s input column. With dequantization this draws u ~ U(0,1) per
    /// value (seeded), as the NICE paper and the bits/dim literature do; <see cref="Transform"/> instead scores at the
    /// bin centre u = ½ so each row's score is deterministic, which gives somewhat higher values on data with few
    /// levels. Rows with NaN or infinity are not counted. Without dequantization the rows are scored by
    /// <see cref="ScoringEngine"/>; with it, the noise is drawn and scored by TorchSharp.
    /// </summary>
    public NiceDensityMetrics Evaluate(IDataView data, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        ThrowIfDisposed();
        var (column, d) = InputColumn.Find(data.Schema, columns.Input, Dimension);
        using var generator = dequantization is null ? null : new Generator((ulong)(uint)seed);
        var ll = new float[ScoringBatchSize];
        double sum = 0, sumSq = 0;
        long n = 0;
        foreach (var (rows, count) in FeatureBatches.Read(data, column, d, ScoringBatchSize))
        {
            if (generator is null) engine.Score(rows, count, null, ll);
            else torch.Scorer.Score(rows, count, null, ll, generator);
            for (int i = 0; i < count; i++)
                if (float.IsFinite(ll[i])) { sum += ll[i]; sumSq += (double)ll[i] * ll[i]; n++; }
        }
        if (n == 0) throw new InvalidOperationException($"No finite rows to evaluate in column '{columns.Input}'.");
        double mean = sum / n;
        double se = n > 1 ? Math.Sqrt(Math.Max(0, sumSq / n - mean * mean) / (n - 1)) : double.NaN;
        return new NiceDensityMetrics(mean, se, BitsPerDim(mean), n);
    }

    /// <summary>
    /// Called by <c>mlContext.Model.Save</c>. ML.NET's model-file API is internal to ML.NET, so the model is written as
    /// built-in, savable transformers: the flow as an ONNX graph run by OnnxTransformer, and a CustomMapping that keeps
    /// LogLikelihood a Single. <c>mlContext.Model.Load</c> gives those back (same columns, names, types and values,
    /// scored one row at a time by ONNX Runtime); <see cref="Load(MLContext, string, int, NiceScoringEngine, int)"/>
    /// gives back this full NiceTransformer.
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ThrowIfDisposed();
        using var weights = flow.Weights();
        using var chain = OnnxChain.Build(weights, dequantization, columns.Input, columns.Latent,
            columns.LogLikelihood, NiceModelMetadata.Write(this));
        ((ICanSaveModel)chain.Chain).Save(ctx);
    }

    /// <summary>
    /// Writes the trained flow as an ONNX model: input <see cref="InputColumnName"/> (float [N, D], or [D] when not
    /// batched), outputs <see cref="LatentColumnName"/> ([N, D]) and <see cref="LogLikelihoodColumnName"/> ([N] nats;
    /// [1] when not batched). Dequantization at the bin centre is part of the graph, so it scores exactly like
    /// <see cref="Transform"/>.
    /// </summary>
    public void ExportOnnx(Stream stream, bool batched = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfDisposed();
        using var weights = flow.Weights();
        stream.Write(NiceOnnx.ExportForward(weights, dequantization, batched, NiceModelMetadata.Write(this),
            columns.Input, columns.Latent, columns.LogLikelihood));
    }

    /// <summary>
    /// Writes the inverse flow as an ONNX model for sampling or decoding outside .NET: input
    /// <see cref="LatentColumnName"/> (float [N, D]; feed prior draws scaled by a temperature), output
    /// <see cref="InputColumnName"/> in the input's units. A kernel mixture has none
    /// (<see cref="NotSupportedException"/>, before anything is written).
    /// </summary>
    public void ExportOnnxInverse(Stream stream, bool batched = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfDisposed();
        if (Flow.IsKernelMixture) throw KernelMixture.NoInverse();
        stream.Write(NiceOnnx.ExportInverse(Flow, dequantization, batched, NiceModelMetadata.Write(this),
            columns.Latent, columns.Input));
    }

    /// <summary>
    /// Reads the NICE step of a model zip written by <c>mlContext.Model.Save</c> (a NICE transformer alone, or a
    /// pipeline whose first step is NICE) back into a full <see cref="NiceTransformer"/>: batched scoring, sampling,
    /// inverse, inspection. With several NICE steps in one pipeline, <paramref name="index"/> picks one (0 = the
    /// first). A NICE step that follows other steps (a normalizer, say) expects the rows those steps make, so it is
    /// refused with <see cref="InvalidOperationException"/>: load the whole pipeline with
    /// <c>mlContext.Model.LoadNice</c>. A missing, truncated, tampered or foreign file throws
    /// <see cref="FileNotFoundException"/> or <see cref="InvalidDataException"/> naming the file. The model scores on
    /// <paramref name="scoringEngine"/> (default <see cref="NiceScoringEngine.Auto"/>: ONNX Runtime, without loading
    /// libtorch) with <paramref name="threads"/> threads (0 = automatic, as <see cref="NiceOptions.Threads"/>); its
    /// TorchSharp flow is built only when something needs it (sampling, inverse, inpainting, the TorchSharp engine).
    /// </summary>
    public static NiceTransformer Load(MLContext mlContext, string path, int index = 0,
        NiceScoringEngine scoringEngine = NiceScoringEngine.Auto, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(path);
        return LoadWithMetadata(path, index, ScoringChoice.Loaded(scoringEngine, threads)).Model;
    }

    /// <summary>
    /// The <paramref name="index"/>-th NICE step of a zip, with every metadata entry its file carries; refused when
    /// steps run before it.
    /// </summary>
    internal static (NiceTransformer Model, IReadOnlyDictionary<string, string> Metadata) LoadWithMetadata(string path,
        int index, ScoringChoice scoring)
    {
        var saved = SavedFlows.Read(ModelZip.OnnxEntries(path), path, index);
        if (saved.HasStepsBefore)
        {
            saved.Model.Dispose();
            throw new InvalidOperationException($"{path}: its NICE step follows other steps of the saved pipeline, " +
                $"so on its " +
                "own it would expect the rows those steps make, not the pipeline's input. Load the whole pipeline " +
                    "with " +
                "mlContext.Model.LoadNice(path, out var inputSchema), which restores the NICE step batched.");
        }
        return (FromSaved(saved.Model, path, scoring), saved.Model.Metadata);
    }

    /// <summary>The transformer for a flow read back from a file (it takes ownership; disposes it on
    /// failure).</summary>
    internal static NiceTransformer FromSaved(NiceOnnxModel read, string source, ScoringChoice scoring)
    {
        try
        {
            var (cols, batch, summary) = NiceModelMetadata.Read(read.Metadata, source);
            return new NiceTransformer(read.Lazy, read.Dequantization, cols, batch, summary, scoring);
        }
        catch
        {
            read.Dispose();
            throw;
        }
    }

    /// <summary>Flow-space rows → the input's units (through the dequantization's inverse), as CPU floats.</summary>
    internal float[] FromFlowSpace(Tensor x)
        => (dequantization is null ? x : dequantization.FromFlow(x)).cpu().data<float>().ToArray();

    internal void ThrowIfDisposed()
    {
        if (disposed)
            throw new ObjectDisposedException(nameof(NiceTransformer),
                "This NiceTransformer has been disposed; its flow's native memory is released. Views and prediction " +
                "engines made from it cannot score any more.");
    }

    /// <summary>Releases the flow's native memory.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        engine.Dispose();
        torch.Dispose();
        flow.Dispose();
    }
}
