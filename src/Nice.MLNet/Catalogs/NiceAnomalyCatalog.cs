using System;
using Microsoft.ML.Data;
using Nice.MLNet;
using Nice.MLNet.Anomaly;

namespace Microsoft.ML;

/// <summary>
/// NICE anomaly detection in ML.NET's catalogs: <c>mlContext.AnomalyDetection.Trainers.Nice(...)</c>, plus
/// <c>mlContext.AnomalyDetection.ChangeModelThreshold(detector, t)</c> and
/// <c>mlContext.AnomalyDetection.EvaluateChecked(scored)</c>.
/// </summary>
public static class NiceAnomalyCatalog
{
    /// <summary>
    /// Creates a <see cref="NiceAnomalyEstimator"/>: a NICE flow (arXiv:1410.8516) trained on normal rows; rows are
    /// scored by <paramref name="score"/> (higher = more anomalous) and flagged when above the threshold calibrated to
    /// <paramref name="falsePositiveRate"/> on the training rows. Output: Score (Single), PredictedLabel (Boolean).
    /// </summary>
    /// <param name="catalog">The anomaly-detection trainers catalog.</param>
    /// <param name="featureColumnName">A known-size vector of Single, D ≥ 2.</param>
    /// <param name="score">The score: negative log-likelihood, bits/dim, or the input-complexity-corrected score (see
    /// <see cref="NiceAnomalyScore"/>).</param>
    /// <param name="falsePositiveRate">Target fraction of training rows flagged, in [0, 1). Default 0.01 (99th
    /// percentile).</param>
    /// <param name="epochs">Maximum passes over the data; null = chosen from the data (see
    /// <see cref="NiceOptions"/>'s rule).</param>
    /// <param name="hiddenWidth">Units per hidden layer of the coupling MLPs (the paper: 1000); null = chosen from the
    /// data.</param>
    /// <param name="dequantizationLevels">Levels of quantized data (256 for 8-bit pixels, with values 0…L−1); 0 =
    /// continuous.</param>
    /// <param name="seed">Seed of initialization, shuffling, split and noise.</param>
    /// <example><code>
    /// var detector = mlContext.AnomalyDetection.Trainers.Nice("Features").Fit(normalRows);
    /// var scored = detector.Transform(test);                        // + "Score", "PredictedLabel"
    /// var metrics = mlContext.AnomalyDetection.Evaluate(scored);    // Label: Single (&gt; 0 = anomaly), not Boolean
    /// </code></example>
    public static NiceAnomalyEstimator Nice(this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog,
        string featureColumnName = NiceDefaults.InputColumnName,
        NiceAnomalyScore score = NiceAnomalyDefaults.Score,
        double falsePositiveRate = NiceAnomalyDefaults.FalsePositiveRate,
        int? epochs = null,
        int? hiddenWidth = null,
        int dequantizationLevels = NiceDefaults.DequantizationLevels,
        int seed = NiceDefaults.Seed)
        => new(new NiceAnomalyOptions
        {
            Nice = new NiceOptions
            {
                InputColumnName = featureColumnName, Epochs = epochs, HiddenWidth = hiddenWidth,
                DequantizationLevels = dequantizationLevels, Seed = seed,
            },
            Score = score,
            FalsePositiveRate = falsePositiveRate,
        });

    /// <summary>Creates a <see cref="NiceAnomalyEstimator"/> with every option of <see cref="NiceAnomalyOptions"/> and
    /// <see cref="NiceOptions"/>.</summary>
    public static NiceAnomalyEstimator Nice(this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog,
        NiceAnomalyOptions options)
        => new(options);

    /// <summary>The detector with PredictedLabel = Score &gt; <paramref name="threshold"/>, like ML.NET's own
    /// <c>ChangeModelThreshold</c>.</summary>
    public static NiceAnomalyDetector ChangeModelThreshold(this AnomalyDetectionCatalog catalog,
        NiceAnomalyDetector model, float threshold)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.ChangeThreshold(threshold);
    }

    /// <summary>
    /// <c>mlContext.AnomalyDetection.Evaluate</c> after checking the label column: ML.NET's evaluator needs a Label of
    /// type Single (&gt; 0 = anomaly) or a key with 2 values, and refuses a Boolean one with a message that does not
    /// say how to fix it. This throws an <see cref="ArgumentException"/> naming the column and the conversion instead.
    /// </summary>
    public static AnomalyDetectionMetrics EvaluateChecked(this AnomalyDetectionCatalog catalog, IDataView data,
        string labelColumnName = "Label", string scoreColumnName = "Score",
            string predictedLabelColumnName = "PredictedLabel",
        int falsePositiveCount = 10)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        if (LabelProblem(data.Schema, labelColumnName) is string problem)
            throw new ArgumentException(problem, nameof(data));
        return catalog.Evaluate(data, labelColumnName, scoreColumnName, predictedLabelColumnName, falsePositiveCount);
    }

    /// <summary>Why <paramref name="labelColumnName"/> cannot be the label of <c>AnomalyDetection.Evaluate</c>, or null
    /// when it can.</summary>
    public static string? LabelProblem(DataViewSchema schema, string labelColumnName = "Label")
    {
        ArgumentNullException.ThrowIfNull(schema);
        var column = schema.GetColumnOrNull(labelColumnName);
        if (column is null) return $"Label column '{labelColumnName}' not found.";
        var type = column.Value.Type;
        if (type == NumberDataViewType.Single) return null;
        if (type is KeyDataViewType key && key.Count == 2) return null;
        string convert = $"mlContext.Transforms.Conversion.ConvertType(\"{labelColumnName}\", outputKind: " +
            $"DataKind.Single)";
        return type == BooleanDataViewType.Instance
            ? $"Label column '{labelColumnName}' is Boolean, but mlContext.AnomalyDetection.Evaluate needs a Label " +
                $"of type Single (> 0 = anomaly) or a key with 2 values. Convert it first: {convert} (true -> 1, " +
                    $"false -> 0)."
            : $"Label column '{labelColumnName}' is {type}, but mlContext.AnomalyDetection.Evaluate needs a Label of " +
                $"type Single (> 0 = anomaly) or a key with 2 values. Convert it first, e.g. {convert}.";
    }
}
