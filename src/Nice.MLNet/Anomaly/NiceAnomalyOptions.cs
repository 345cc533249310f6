using System;

namespace Nice.MLNet.Anomaly;

/// <summary>
/// Options of <see cref="NiceAnomalyEstimator"/> (<c>mlContext.AnomalyDetection.Trainers.Nice(options)</c>): the NICE
/// flow's settings (<see cref="Nice"/>), the anomaly score, the false-positive rate the threshold is calibrated to, and
/// the output column names.
/// </summary>
public sealed class NiceAnomalyOptions
{
    /// <summary>
    /// Every setting of the flow and its training (architecture, epochs, dequantization, seed, device…). Its
    /// <see cref="NiceOptions.InputColumnName"/> is the feature column (also reachable as
    /// <see cref="FeatureColumnName"/>); its Latent/LogLikelihood names are not used in the detector's output. Default:
    /// <c>new NiceOptions()</c> (the paper's MNIST model).
    /// </summary>
    public NiceOptions Nice { get; set; } = new();

    /// <summary>The feature column: a known-size vector of Single, D ≥ 2. Same as <c>Nice.InputColumnName</c>; default
    /// "Features".</summary>
    public string FeatureColumnName
    {
        get => (Nice ?? throw NoNice()).InputColumnName;
        set => (Nice ?? throw NoNice()).InputColumnName = value;
    }

    /// <summary>Output column of the anomaly score (Single; higher = more anomalous). Default "Score", as ML.NET's
    /// evaluator expects.</summary>
    public string ScoreColumnName { get; set; } = NiceAnomalyDefaults.ScoreColumnName;

    /// <summary>Output column of the decision Score &gt; <see cref="NiceAnomalyDetector.Threshold"/> (Boolean; true =
    /// anomaly). Default "PredictedLabel".</summary>
    public string PredictedLabelColumnName { get; set; } = NiceAnomalyDefaults.PredictedLabelColumnName;

    /// <summary>The score; see <see cref="NiceAnomalyScore"/> for the formulas and when to use which. Default
    /// <see cref="NiceAnomalyScore.Nll"/>.</summary>
    public NiceAnomalyScore Score { get; set; } = NiceAnomalyDefaults.Score;

    /// <summary>
    /// Target false-positive rate α ∈ [0, 1) of the threshold (also called the contamination): the threshold is the (1
    /// − α) empirical quantile of the training rows' scores, so a fraction ≤ α of them (exactly ⌊nα⌋/n without ties) is
    /// flagged. Default 0.01 (the 99th percentile). Change it after training with
    /// <see cref="NiceAnomalyDetector.ChangeThreshold(Microsoft.ML.IDataView, double)"/>.
    /// </summary>
    public double FalsePositiveRate { get; set; } = NiceAnomalyDefaults.FalsePositiveRate;

    /// <summary>Compressor measuring L(x) for <see cref="NiceAnomalyScore.InputComplexity"/>. Default
    /// <see cref="NiceComplexityCompressor.Deflate"/>.</summary>
    public NiceComplexityCompressor Compressor { get; set; } = NiceAnomalyDefaults.Compressor;

    /// <summary>
    /// For <see cref="NiceAnomalyScore.InputComplexity"/> on images stored row-major with one channel: the image width
    /// (28 for Fashion-MNIST, 8 for the 8x8 digits). When &gt; 0 the bytes are PNG-filtered per image row before
    /// compression, which makes Deflate into PNG's compressor (Serrà et al. used PNG); it must divide D. 0 (default)
    /// compresses the bytes as they are.
    /// </summary>
    public int ImageWidth { get; set; } = NiceAnomalyDefaults.ImageWidth;

    internal NiceAnomalyOptions Clone()
    {
        var copy = (NiceAnomalyOptions)MemberwiseClone();
        copy.Nice = Nice?.Clone()!;
        return copy;
    }

    /// <summary>Throws naming the first invalid option.</summary>
    internal void Validate()
    {
        if (Nice is null) throw NoNice();
        Nice.Validate();
        if (string.IsNullOrWhiteSpace(ScoreColumnName))
            throw new ArgumentException("NiceAnomalyOptions.ScoreColumnName must name a column.",
                nameof(ScoreColumnName));
        if (string.IsNullOrWhiteSpace(PredictedLabelColumnName))
            throw new ArgumentException("NiceAnomalyOptions.PredictedLabelColumnName must name a column.",
                nameof(PredictedLabelColumnName));
        if (ScoreColumnName == PredictedLabelColumnName)
            throw new ArgumentException($"NiceAnomalyOptions.ScoreColumnName and PredictedLabelColumnName are both " +
                $"'{ScoreColumnName}'; they must differ.", nameof(PredictedLabelColumnName));
        if (!Enum.IsDefined(Score))
            throw new ArgumentOutOfRangeException(nameof(Score), Score,
                "NiceAnomalyOptions.Score is not a NiceAnomalyScore value.");
        if (!Enum.IsDefined(Compressor))
            throw new ArgumentOutOfRangeException(nameof(Compressor), Compressor,
                "NiceAnomalyOptions.Compressor is not a NiceComplexityCompressor value.");
        if (ImageWidth < 0)
            throw new ArgumentOutOfRangeException(nameof(ImageWidth), ImageWidth,
                "NiceAnomalyOptions.ImageWidth must be >= 0 (0 = not an image).");
        if (!(FalsePositiveRate >= 0 && FalsePositiveRate < 1))
            throw new ArgumentOutOfRangeException(nameof(FalsePositiveRate), FalsePositiveRate,
                "NiceAnomalyOptions.FalsePositiveRate must be in [0, 1) (0.01 = flag 1% of the training rows).");
    }

    private static ArgumentNullException NoNice()
        => new(nameof(Nice), "NiceAnomalyOptions.Nice must be set (new NiceOptions() for the defaults).");

    internal AnomalyColumns Columns => new(FeatureColumnName, ScoreColumnName, PredictedLabelColumnName);
}
