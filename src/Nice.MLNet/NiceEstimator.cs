using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Flow;
using Nice.MLNet.Mapping;
using Nice.MLNet.Onnx;
using Nice.MLNet.Scoring;
using TorchSharp;

namespace Nice.MLNet;

/// <summary>
/// Trains a NICE normalizing flow (Dinh, Krueger &amp; Bengio, arXiv:1410.8516) on a vector column by maximum
/// likelihood. The fitted <see cref="NiceTransformer"/> appends the latent code h = f(x) and the exact log-likelihood
/// log p(x) = Σᵢ log p_H(hᵢ) + Σᵢ sᵢ of each row.
/// </summary>
/// <remarks>
/// <para>Estimator characteristics:</para>
/// <list type="table">
/// <item><term>Does this estimator need to look at the data to train its
/// parameters?</term><description>Yes</description></item>
/// <item><term>Input column data type</term><description>Known-size vector of <see cref="float"/>, D ≥
/// 2</description></item>
/// <item><term>Output column data types</term><description>Latent: known-size vector of <see cref="float"/> (size D);
/// LogLikelihood: <see cref="float"/> (nats)</description></item>
/// <item><term>Required NuGet in addition to Microsoft.ML</term><description>Nice.MLNet, a TorchSharp native backend
/// (e.g. TorchSharp-cpu)</description></item>
/// <item><term>Exportable to ONNX</term><description>Yes
/// (<see cref="NiceTransformer.ExportOnnx(System.IO.Stream, bool)"/>) </description></item>
/// </list>
/// <para>Create it with <c>mlContext.Transforms.Nice(...)</c>. Fit first reads up to 10,000 rows to choose the
/// options left unset (the rule on <see cref="NiceOptions"/>: model size, epochs, batch, ensemble, smoothing, the
/// columns' kinds), then trains, reading the column once into memory (or streaming it every epoch when
/// <see cref="NiceOptions.CacheInMemory"/> is false). A single flow holds out
/// <see cref="NiceOptions.ValidationFraction"/> of the rows and keeps the weights of its best held-out epoch; an
/// ensemble's members each hold out their own fold. With fewer rows than columns the rule fits a kernel mixture
/// instead (<see cref="NiceOptions.KernelMixture"/>: a small NICE flow as the kernel on every training row, the rows
/// kept in the model, no <c>Inverse</c>).</para>
/// </remarks>
public sealed class NiceEstimator : IEstimator<NiceTransformer>
{
    private readonly NiceOptions options;

    /// <summary>An estimator with the given options (copied; validated now, so a bad option fails here and not in
    /// Fit).</summary>
    public NiceEstimator(NiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Clone();
        this.options.Validate();
    }

    /// <summary>
    /// Trains the flow on <paramref name="input"/>'s input column. Throws <see cref="NiceTrainingException"/> when the
    /// loss becomes non-finite, and <see cref="OperationCanceledException"/> when
    /// <see cref="NiceOptions.CancellationToken"/> fires; no model is returned then.
    /// </summary>
    public NiceTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (column, d) = InputColumn.Find(input.Schema, options.InputColumnName);
        options.ValidateFor(d);
        var dq = options.ToDequantization();
        var source = new DataViewRowSource(input, column, d, options.SkipNonFiniteRows, dq);
        var plan = NiceTrainingPlan.For(options, source);
        var flow = GlobalRandom.Seeded(options.Seed, () => new NiceFlow(plan.Config));
        try
        {
            flow.to(torch.device(options.Device));
            var history = Train(flow, source, plan);
            var summary = new NiceTrainingSummary(history.Select(NiceEpochReport.From).ToArray(), source.Rows,
                source.SkippedRows, plan.Resolved);
            return new NiceTransformer(new LazyFlow(flow), dq, NiceColumns.From(options), options.ScoringBatchSize,
                summary, new ScoringChoice(options.ScoringEngine, options.Threads, options.Device))
            {
                TrainingPlan = plan,
            };
        }
        catch (NonFiniteLossException e)
        {
            flow.Dispose();
            throw new NiceTrainingException(e);
        }
        catch
        {
            flow.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trains with libtorch set to <see cref="NiceOptions.Threads"/> (the automatic count when 0) on this thread, and
    /// its previous count restored afterwards.
    /// </summary>
    private System.Collections.Generic.IReadOnlyList<EpochReport> Train(NiceFlow flow, DataViewRowSource source,
        NiceTrainingPlan plan)
    {
        int threads = ThreadPolicy.ForTorch(options.Threads, flow.Config, plan.Settings.BatchSize);
        int previous = LibTorchThreads.Set(threads);
        try { return FlowTrainer.Train(flow, source, plan.Settings); }
        finally { LibTorchThreads.Restore(previous); }
    }

    /// <summary>The input shape plus the latent (known-size Single vector) and log-likelihood (Single)
    /// columns.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var input = CheckInputShape(inputSchema, options.InputColumnName);
        bool slotNames = input.Annotations.Any(a => a.Name == "SlotNames");
        return SchemaShapes.Append(inputSchema, NiceColumns.From(options).Appended(dimension: 2, slotNames));
    }

    /// <summary>Throws naming the column when <paramref name="name"/> is missing or not a known-size vector of
    /// Single.</summary>
    internal static SchemaShape.Column CheckInputShape(SchemaShape inputSchema, string name)
    {
        var found = inputSchema.Where(c => c.Name == name).ToArray();
        if (found.Length == 0)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Input column '{name}' not found; the data has " +
                $"columns {string.Join(", ", inputSchema.Select(c => $"'{c.Name}'"))}.");
        var input = found[0];
        if (input.Kind != SchemaShape.Column.VectorKind.Vector || input.ItemType != NumberDataViewType.Single
            || input.IsKey)
            throw new ArgumentException($"Input column '{name}' is {input.Kind} of {input.ItemType}; NICE needs a " +
                $"known-size " +
                "vector of Single.", nameof(inputSchema));
        return input;
    }
}
