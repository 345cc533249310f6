using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Data;
using Nice.MLNet.Flow;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet;

/// <summary>
/// A trained NICE flow as an ML.NET transformer. <see cref="Transform"/> appends the latent code h = f(x) (vector of D Single)
/// and log p(x) = Σᵢ log p_H(hᵢ) + Σᵢ sᵢ (Single, nats), lazily and in batches. It also generates: <see cref="Sample"/> draws
/// x = f⁻¹(h) with h from the prior, <see cref="Inverse"/> decodes latents, <see cref="Encode"/> encodes rows.
/// </summary>
public sealed partial class NiceTransformer : ITransformer, IDisposable
{
    private readonly NiceFlow flow;
    private readonly Dequantization? dequantization;
    private readonly NiceColumns columns;
    private readonly FlowScorer scorer;
    private bool disposed;

    internal NiceTransformer(NiceFlow flow, Dequantization? dequantization, NiceColumns columns, int scoringBatchSize,
        NiceTrainingSummary? summary)
    {
        this.flow = flow;
        this.dequantization = dequantization;
        this.columns = columns;
        ScoringBatchSize = scoringBatchSize;
        TrainingSummary = summary;
        flow.eval();
        scorer = new FlowScorer(flow, dequantization);
    }

    internal NiceFlow Flow => flow;
    internal Dequantization? Dequantization => dequantization;
    internal NiceColumns Columns => columns;

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
    /// <summary>Quantization levels (0 when the data are continuous); see <see cref="NiceOptions.DequantizationLevels"/>.</summary>
    public int DequantizationLevels => dequantization?.Levels ?? 0;
    /// <summary>Rows per forward pass when scoring an IDataView.</summary>
    public int ScoringBatchSize { get; }
    /// <summary>Per-epoch history and row counts of the Fit that made this model (null for a model loaded without it).</summary>
    public NiceTrainingSummary? TrainingSummary { get; }

    /// <summary>Always true: <c>mlContext.Model.CreatePredictionEngine</c> works.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>
    /// The scaling layer's log-scales s (length D), h = exp(s) ⊙ y. Like a PCA spectrum (the paper's §3.3), a large sᵢ marks a dimension
    /// the model squeezes (little variation, unimportant) and a small sᵢ one that carries much variation: exp(−sᵢ) reads as importance.
    /// </summary>
    public float[] LogScale
    {
        get
        {
            ThrowIfDisposed();
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            return flow.Scaling.LogScale.detach().cpu().data<float>().ToArray();
        }
    }

    /// <summary>Every trained parameter by name (e.g. "layers.0.m.layers.linear0.weight"), with its shape and values.</summary>
    public IReadOnlyList<NiceParameter> GetParameters()
    {
        ThrowIfDisposed();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return flow.named_parameters()
            .Select(p => new NiceParameter(p.name, p.parameter.shape.ToArray(), p.parameter.detach().cpu().data<float>().ToArray()))
            .ToArray();
    }

    /// <summary>Bits per dimension of a log-likelihood from this model: on the [0, L) scale with dequantization, −log p/(D·ln 2) otherwise.</summary>
    public double BitsPerDim(double logLikelihood) => Units.BitsPerDim(logLikelihood, Dimension, dequantization);

    /// <summary>The input schema plus the latent and log-likelihood columns. Throws naming the column when the input is missing or of the wrong type or size.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Plan(inputSchema).Schema;

    /// <summary>Lazily appends the latent and log-likelihood columns; rows are scored <see cref="ScoringBatchSize"/> at a time as a cursor moves.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new NiceDataView(input, Plan(input.Schema), scorer, ScoringBatchSize);
    }

    /// <summary>A row-to-row mapper for <c>PredictionEngine</c> (one row per forward pass).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new NiceRowMapper(Plan(inputSchema), scorer);

    private OutputSchema Plan(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ThrowIfDisposed();
        return new OutputSchema(inputSchema, columns.Input, columns.Latent, columns.LogLikelihood, Dimension);
    }

    /// <summary>log p(x) in nats of each row (batched).</summary>
    public float[] LogLikelihood(IReadOnlyList<float[]> rows) => Score(rows, latent: false).LogLikelihood;

    /// <summary>The latent code h = f(x) of each row (batched).</summary>
    public float[][] Encode(IReadOnlyList<float[]> rows) => Split(Score(rows, latent: true).Latent!, rows.Count);

    /// <summary>Decodes latent codes: x = f⁻¹(h), in the input's units (mapped back from the dequantized space when dequantization is on).</summary>
    public float[][] Inverse(IReadOnlyList<float[]> latents)
    {
        ThrowIfDisposed();
        var flat = Flatten(latents, "latents");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var z = HostTensors.FromRows(flat, latents.Count, Dimension).to(flow.Device);
        return Split(ToData(flow.Inverse(z)), latents.Count);
    }

    /// <summary>
    /// Draws <paramref name="count"/> samples x = f⁻¹(h), h ~ p_H with each latent coordinate's standard deviation multiplied by
    /// <paramref name="temperature"/> (1 = the model's density; 0.75 is the usual "annealed" choice for sharper samples).
    /// </summary>
    public float[][] Sample(int count, double temperature = 1.0, int seed = 0)
    {
        ThrowIfDisposed();
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be >= 0.");
        using var generator = new Generator((ulong)(uint)seed);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Split(ToData(flow.Sample(count, temperature, generator)), count);
    }

    /// <summary>Like <see cref="Sample"/>, as an IDataView with one column named and typed like the input (vector of D Single).</summary>
    public IDataView SampleDataView(MLContext mlContext, int count, double temperature = 1.0, int seed = 0)
        => RowsDataView(mlContext, Sample(count, temperature, seed), columns.Input);

    /// <summary>Like <see cref="Inverse"/>, as an IDataView with one column named and typed like the input.</summary>
    public IDataView InverseDataView(MLContext mlContext, IReadOnlyList<float[]> latents)
        => RowsDataView(mlContext, Inverse(latents), columns.Input);

    private IDataView RowsDataView(MLContext mlContext, float[][] rows, string name)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var definition = Microsoft.ML.Data.SchemaDefinition.Create(typeof(VectorRow));
        definition[0].ColumnName = name;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Dimension);
        return mlContext.Data.LoadFromEnumerable(rows.Select(r => new VectorRow { Values = r }), definition);
    }

    private sealed class VectorRow
    {
        public float[] Values = Array.Empty<float>();
    }

    private (float[]? Latent, float[] LogLikelihood) Score(IReadOnlyList<float[]> rows, bool latent)
    {
        ThrowIfDisposed();
        var flat = Flatten(rows, "rows");
        var z = latent ? new float[flat.Length] : null;
        var ll = new float[rows.Count];
        scorer.Score(flat, rows.Count, z, ll);
        return (z, ll);
    }

    private float[] ToData(Tensor x)
    {
        var v = dequantization is null ? x : dequantization.FromFlow(x);
        return v.cpu().data<float>().ToArray();
    }

    private float[] Flatten(IReadOnlyList<float[]> rows, string name)
    {
        ArgumentNullException.ThrowIfNull(rows, name);
        var flat = new float[rows.Count * Dimension];
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i] is null || rows[i].Length != Dimension)
                throw new ArgumentException($"{name}[{i}] has {rows[i]?.Length ?? 0} values; the model expects {Dimension}.", name);
            rows[i].CopyTo(flat, i * Dimension);
        }
        return flat;
    }

    private float[][] Split(float[] flat, int count)
    {
        var result = new float[count][];
        for (int i = 0; i < count; i++) result[i] = flat.AsSpan(i * Dimension, Dimension).ToArray();
        return result;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    /// <summary>Releases the flow's native memory.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        flow.Dispose();
    }
}

/// <summary>One trained parameter of a NICE model.</summary>
/// <param name="Name">PyTorch-style name, e.g. "layers.0.m.layers.linear0.weight" or "scaling.s".</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Values">Its values, row-major.</param>
public sealed record NiceParameter(string Name, long[] Shape, float[] Values);
