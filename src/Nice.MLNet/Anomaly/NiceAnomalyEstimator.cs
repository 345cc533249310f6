using System;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Mapping;

namespace Nice.MLNet.Anomaly;

/// <summary>
/// Trains a NICE flow (Dinh, Krueger &amp; Bengio, arXiv:1410.8516) on normal rows by maximum likelihood and calibrates
/// an anomaly threshold on rows it did not train on. Rows are scored by their exact log-likelihood log p(x) = Σᵢ log
/// p_H(hᵢ) + Σᵢ sᵢ turned into a <see cref="NiceAnomalyScore"/>; the threshold is the (1 − α) empirical quantile of
/// held-out scores for the target false-positive rate α (<see cref="NiceAnomalyOptions.FalsePositiveRate"/>, default
/// 1%): each training row scored by the ensemble member that held it out, or a single flow's held-out rows
/// (<see cref="NiceAnomalyDetector.CalibrationSource"/>). With fewer training rows than columns the model is a kernel
/// mixture (<see cref="NiceOptions.KernelMixture"/>), calibrated on its out-of-fold scores the same way.
/// </summary>
/// <remarks>
/// <para>Estimator characteristics:</para>
/// <list type="table">
/// <item><term>Does this estimator need to look at the data to train its
/// parameters?</term><description>Yes</description></item>
/// <item><term>Input column data type</term><description>Known-size vector of <see cref="float"/>, D ≥
/// 2</description></item>
/// <item><term>Output column data types</term><description>Score: <see cref="float"/> (higher = more anomalous);
/// PredictedLabel: <see cref="bool"/></description></item>
/// <item><term>Required NuGet in addition to Microsoft.ML</term><description>Nice.MLNet, a TorchSharp native backend
/// (e.g. TorchSharp-cpu)</description></item>
/// </list>
/// <para>Create it with <c>mlContext.AnomalyDetection.Trainers.Nice(...)</c>. Evaluate with
/// <c>mlContext.AnomalyDetection.Evaluate</c>: its Label must be Single (&gt; 0 = anomaly) or a 2-value key, not
/// Boolean. Training rows should be (mostly) normal: the model learns their density, and a fraction α of them is
/// flagged by construction.</para>
/// </remarks>
public sealed class NiceAnomalyEstimator : IEstimator<NiceAnomalyDetector>
{
    private readonly NiceAnomalyOptions options;

    /// <summary>An estimator with the given options (copied; validated now, so a bad option fails here and not in
    /// Fit).</summary>
    public NiceAnomalyEstimator(NiceAnomalyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Clone();
        this.options.Validate();
    }

    /// <summary>Trains the flow on <paramref name="input"/>'s feature column, then scores the rows it held out (each
    /// training row, for an ensemble) to set the threshold.</summary>
    public NiceAnomalyDetector Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var model = new NiceEstimator(options.Nice).Fit(input);
        try
        {
            var complexity = options.Score == NiceAnomalyScore.InputComplexity
                ? Calibration.Complexity(model, options.Compressor, options.ImageWidth, input,
                    options.FeatureColumnName)
                : null;
            var scorer = AnomalyScorer.For(model, options.Score, complexity);
            var (threshold, rate, rows, source) = Calibration.HeldOut(model, scorer, input, options.Nice,
                options.FalsePositiveRate);
            return new NiceAnomalyDetector(new SharedModel(model), options.Columns, scorer, options.Compressor,
                options.ImageWidth, threshold, new DetectorCalibration(rate, rows, source));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The input shape plus Score (Single) and PredictedLabel (Boolean). Throws naming the feature column when it is
    /// missing or not a known-size Single vector.
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        NiceEstimator.CheckInputShape(inputSchema, options.FeatureColumnName);
        return SchemaShapes.Append(inputSchema, options.Columns.Appended());
    }
}
