using System;
using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Mapping;
using Nice.MLNet.Scoring;

namespace Nice.MLNet.Anomaly;

/// <summary>
/// A trained NICE anomaly detector (<c>mlContext.AnomalyDetection.Trainers.Nice(...).Fit(data)</c>).
/// <see cref="Transform"/> appends <c>Score</c> (Single, higher = more anomalous; see <see cref="NiceAnomalyScore"/>)
/// and <c>PredictedLabel</c> (Boolean, Score &gt; <see cref="Threshold"/>), lazily and in batches, so
/// <c>mlContext.AnomalyDetection.Evaluate(detector.Transform(test))</c> works unchanged — with a Label column of type
/// Single (&gt; 0 = anomaly) or a 2-value key; ML.NET refuses a Boolean label (convert it with
/// <c>mlContext.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Single)</c>, or evaluate with
/// <see cref="Microsoft.ML.NiceAnomalyCatalog.EvaluateChecked"/>, which says so). A row with NaN or infinite features
/// is outside the model's support: Score +∞ and PredictedLabel true — in memory, in <c>PredictionEngine</c> and in a
/// zip loaded by <c>mlContext.Model.Load</c>. A finite row never scores NaN: one whose values overflow float32 inside
/// the flow is scored in float64 in memory, and gets log-likelihood −∞ (Score +∞) in the saved ONNX graph.
/// </summary>
/// <remarks>
/// The state is the NICE model (<see cref="Model"/>), <see cref="ScoreKind"/> (with the complexity coder's compressor,
/// image width and quantization grid), <see cref="Threshold"/> and the column names. Detectors made by
/// <see cref="ChangeThreshold(float)"/> and <see cref="ChangeScore"/> share the model; it is released when the last of
/// them is disposed.
/// </remarks>
public sealed class NiceAnomalyDetector : ITransformer, IDisposable, IBatchMapper
{
    private readonly SharedModel shared;
    private readonly AnomalyColumns columns;
    private readonly AnomalyScorer scorer;
    private readonly NiceComplexityCompressor compressor;
    private readonly int imageWidth;
    private bool disposed;

    internal NiceAnomalyDetector(SharedModel shared, AnomalyColumns columns, AnomalyScorer scorer,
        NiceComplexityCompressor compressor,
        int imageWidth, float threshold, DetectorCalibration calibration)
    {
        this.shared = shared;
        this.columns = columns;
        this.scorer = scorer;
        this.compressor = compressor;
        this.imageWidth = imageWidth;
        Threshold = threshold;
        Calibration = calibration;
    }

    internal SharedModel Shared => shared;
    internal AnomalyColumns Columns => columns;
    internal InputComplexity? Complexity => scorer.Complexity;

    /// <summary>The trained NICE flow (its log-likelihood, latent code, samples).</summary>
    public NiceTransformer Model { get { ThrowIfDisposed(); return shared.Model; } }

    /// <summary>The score this detector writes.</summary>
    public NiceAnomalyScore ScoreKind => scorer.Kind;

    /// <summary>PredictedLabel = Score &gt; Threshold.</summary>
    public float Threshold { get; }

    internal DetectorCalibration Calibration { get; }

    /// <summary>The fraction of the calibration rows (<see cref="CalibrationSource"/>) scoring above
    /// <see cref="Threshold"/>; null after <see cref="ChangeThreshold(float)"/>.</summary>
    public double? CalibrationFalsePositiveRate => Calibration.Rate;

    /// <summary>How many rows set <see cref="Threshold"/> (0 after <see cref="ChangeThreshold(float)"/>).</summary>
    public int CalibrationRows => Calibration.Rows;

    /// <summary>
    /// Which rows set <see cref="Threshold"/>: after Fit, rows the model did not train on —
    /// <see cref="NiceCalibrationSource.OutOfFold"/> for an ensemble (every training row, scored by the member that
    /// held it out), <see cref="NiceCalibrationSource.Holdout"/> for a single flow — or
    /// <see cref="NiceCalibrationSource.TrainingRows"/> when none were held out;
    /// <see cref="NiceCalibrationSource.GivenRows"/> after re-calibration on given rows; null after
    /// <see cref="ChangeThreshold(float)"/>.
    /// </summary>
    public NiceCalibrationSource? CalibrationSource => Calibration.Source;

    /// <summary>The compressor of the complexity score (used when <see cref="ScoreKind"/> is
    /// <see cref="NiceAnomalyScore.InputComplexity"/>).</summary>
    public NiceComplexityCompressor Compressor => compressor;

    /// <summary>The image width for PNG filtering in the complexity score; 0 = none.</summary>
    public int ImageWidth => imageWidth;

    /// <summary>The feature column.</summary>
    public string FeatureColumnName => columns.Features;
    /// <summary>The score output column.</summary>
    public string ScoreColumnName => columns.Score;
    /// <summary>The predicted-label output column.</summary>
    public string PredictedLabelColumnName => columns.PredictedLabel;

    /// <summary>Always true: <c>mlContext.Model.CreatePredictionEngine</c> works.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>
    /// The input schema plus Score (Single) and PredictedLabel (Boolean). Throws naming the feature column when it is
    /// missing or of the wrong type or size.
    /// </summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Plan(inputSchema).Schema;

    /// <summary>
    /// Lazily appends Score and PredictedLabel; rows are scored in batches of
    /// <see cref="NiceTransformer.ScoringBatchSize"/> as a cursor moves.
    /// </summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchedDataView(input, Plan(input.Schema), this, Model.ScoringBatchSize);
    }

    /// <summary>A row-to-row mapper for <c>PredictionEngine</c>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
        => new AppendingRowMapper(Plan(inputSchema), this);

    void IBatchMapper.Map(ReadOnlySpan<float> features, int rows, BatchOutputs outputs)
    {
        var model = Model;   // throws ObjectDisposedException when this detector is disposed
        model.ThrowIfDisposed();
        var scores = outputs.Floats(0) ?? new float[rows];
        scorer.Score(model, features, rows, scores);
        if (outputs.Bools(1) is { } predicted)
            for (int r = 0; r < rows; r++) predicted[r] = scores[r] > Threshold;
    }

    /// <summary>The anomaly score of each row (batched).</summary>
    public float[] Score(IReadOnlyList<float[]> rows)
    {
        var model = Model;
        var flat = RowArrays.Flatten(rows, model.Dimension, nameof(rows));
        var scores = new float[rows.Count];
        scorer.Score(model, flat, rows.Count, scores);
        return scores;
    }

    /// <summary>The same detector with PredictedLabel = Score &gt; <paramref name="threshold"/> (like ML.NET's
    /// <c>ChangeModelThreshold</c>).</summary>
    public NiceAnomalyDetector ChangeThreshold(float threshold)
    {
        ThrowIfDisposed();
        if (float.IsNaN(threshold))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must not be NaN.");
        return new NiceAnomalyDetector(shared.Acquire(), columns, scorer, compressor, imageWidth, threshold,
            DetectorCalibration.None);
    }

    /// <summary>
    /// The same detector with its threshold re-calibrated so that a fraction ≤ <paramref name="falsePositiveRate"/> of
    /// <paramref name="normalData"/> (rows taken as normal) is flagged: the (1 − α) empirical quantile of their scores.
    /// </summary>
    public NiceAnomalyDetector ChangeThreshold(IDataView normalData, double falsePositiveRate)
        => ChangeScore(ScoreKind, normalData, falsePositiveRate);

    /// <summary>
    /// A detector on the same model writing another score, with its threshold calibrated on
    /// <paramref name="normalData"/> at <paramref name="falsePositiveRate"/>. For
    /// <see cref="NiceAnomalyScore.InputComplexity"/> on continuous data, the 8-bit quantization range is also taken
    /// from <paramref name="normalData"/>.
    /// </summary>
    public NiceAnomalyDetector ChangeScore(NiceAnomalyScore score, IDataView normalData,
        double falsePositiveRate = 0.01)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(normalData);
        ThresholdCalibration.CheckRate(falsePositiveRate);
        var model = Model;
        InputComplexity? complexity = score == NiceAnomalyScore.InputComplexity
            ? scorer.Complexity ?? Anomaly.Calibration.Complexity(model, compressor, imageWidth, normalData,
                columns.Features)
            : scorer.Complexity;
        var next = AnomalyScorer.For(model, score, complexity);
        var (threshold, rate, rows) = Anomaly.Calibration.Threshold(model, next, normalData, columns.Features,
            falsePositiveRate);
        return new NiceAnomalyDetector(shared.Acquire(), columns, next, compressor, imageWidth, threshold,
            new DetectorCalibration(rate, rows, NiceCalibrationSource.GivenRows));
    }

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ThrowIfDisposed();
        AnomalyPersistence.Save(this, ctx);
    }

    /// <summary>
    /// Reads a model zip written by <c>mlContext.Model.Save</c> from a NICE anomaly detector (alone or inside a
    /// pipeline) back into a full <see cref="NiceAnomalyDetector"/> (batched scoring, the same threshold and score
    /// kind, the NICE model for sampling). <c>mlContext.Model.Load</c> on the same file gives the same Score and
    /// PredictedLabel columns, scored by ONNX Runtime. With the <see cref="NiceAnomalyScore.InputComplexity"/> score
    /// the compressor's settings (quantization grid, compressor, image width) come back from the zip too. Rows are
    /// scored on <paramref name="scoringEngine"/> with <paramref name="threads"/> threads, as
    /// <see cref="NiceTransformer.Load"/> does.
    /// </summary>
    public static NiceAnomalyDetector Load(MLContext mlContext, string path, int index = 0,
        NiceScoringEngine scoringEngine = NiceScoringEngine.Auto, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(path);
        return AnomalyPersistence.Load(path, index, ScoringChoice.Loaded(scoringEngine, threads));
    }

    private AppendedSchema Plan(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new AppendedSchema(inputSchema, columns.Features, Model.Dimension, columns.Appended());
    }

    private void ThrowIfDisposed()
    {
        if (disposed)
            throw new ObjectDisposedException(nameof(NiceAnomalyDetector),
                "This NiceAnomalyDetector has been disposed; views and prediction engines made from it cannot score " +
                    "any more.");
    }

    /// <summary>Releases this detector's hold on the NICE model (freed with the last detector sharing it).</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        shared.Release();
    }
}
