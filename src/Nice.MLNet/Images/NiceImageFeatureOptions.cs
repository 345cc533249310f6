using System;
using Nice.MLNet.Anomaly;

namespace Nice.MLNet.Images;

/// <summary>
/// Options of <see cref="NiceImageFeatureEstimator"/> (<c>mlContext.AnomalyDetection.Trainers.ImageFeatures</c>): where
/// the images come from, what happens to their ResNet-18 features, and the density model on top
/// (<see cref="Detector"/>, by default the radial flow, <see cref="RadialDetector"/>).
/// </summary>
public sealed class NiceImageFeatureOptions
{
    /// <summary>
    /// The image column: an <c>MLImage</c> column of the input, or the column <c>LoadImages</c> writes when
    /// <see cref="ImagePathColumnName"/> is set. Any size and format; gray images are used as R = G = B. Default
    /// "Image".
    /// </summary>
    public string ImageColumnName { get; set; } = "Image";

    /// <summary>A text column of image file paths to load first (relative to <see cref="ImageFolder"/>); null = the
    /// input already has the image column (default).</summary>
    public string? ImagePathColumnName { get; set; }

    /// <summary>The folder <see cref="ImagePathColumnName"/>'s paths are relative to; null = as given.</summary>
    public string? ImageFolder { get; set; }

    /// <summary>
    /// Which activations make the features: <see cref="NiceImageFeatureLayout.Grid"/> (6,656, coarse position kept)
    /// or <see cref="NiceImageFeatureLayout.GlobalPool"/> (512). Default null = the estimator's own:
    /// <see cref="NiceImageFeatureLayout.Grid"/> for <c>ImageFeatures(options)</c>, the more accurate layout on the
    /// Fashion-MNIST benchmark (0.9505 against 0.9421 mean AUROC, README);
    /// <see cref="NiceImageFeatureLayout.GlobalPool"/> for <c>ImageFeatures(modelFactory, options)</c>, whose
    /// factory's model gives the pool only (that overload refuses <see cref="NiceImageFeatureLayout.Grid"/>).
    /// </summary>
    public NiceImageFeatureLayout? Layout { get; set; }

    /// <summary>Output column of the ResNet-18 features, as the network gives them (512 floats, or 6,656 with
    /// <see cref="NiceImageFeatureLayout.Grid"/>). Default "ImageEmbedding".</summary>
    public string EmbeddingColumnName { get; set; } = "ImageEmbedding";

    /// <summary>What the density model sees: the embedding transformed by this, in the column
    /// <c>Detector.FeatureColumnName</c> (default "Features"). Default
    /// <see cref="NiceEmbeddingTransform.SquareRootL2Normalized"/>.</summary>
    public NiceEmbeddingTransform EmbeddingTransform { get; set; } = NiceEmbeddingTransform.SquareRootL2Normalized;

    /// <summary>
    /// The density model on the features and its score, threshold and output columns. Default
    /// <see cref="RadialDetector"/>: on Fashion-MNIST one-class it is the one model ahead of the full-covariance
    /// Gaussian (<see cref="GaussianDetector"/>, 0.9509 against 0.9505 mean AUROC, ahead on 8 of 10 classes; README,
    /// "Anomaly detection on ResNet-18 features"), for more fit time (530 s against 213 s for the ten classes there,
    /// beside ≈ 200 s a class of featurizing). <see cref="GaussianDetector"/> fits in closed form;
    /// <see cref="FlowDetector"/> gives a NICE or RealNVP flow that starts at that Gaussian.
    /// </summary>
    public NiceAnomalyOptions Detector { get; set; } = RadialDetector();

    /// <summary>
    /// The rank of the detectors' whitening covariance (<see cref="NiceOptions.WhiteningRank"/>): 256.
    /// </summary>
    public const int WhiteningRank = 256;

    /// <summary>
    /// The full-covariance Gaussian: no couplings, full whitening with the probabilistic-PCA covariance of rank
    /// <see cref="WhiteningRank"/> (256 leading directions of the sample covariance kept, the rest of its spectrum
    /// replaced by its mean; fewer with fewer than 2,560 rows), Gaussian prior; fitted in closed form, score −log p(x)
    /// (ranks like the Mahalanobis distance). On the 512-d pool it ties the Ledoit–Wolf shrunk covariance (0.9421 mean
    /// AUROC both); on the grid features, where rows are fewer than dimensions, it is ahead (README). Stored in the
    /// low-rank form: D·256 values (6.8 MB on the 6,656-d grid) instead of D².
    /// </summary>
    public static NiceAnomalyOptions GaussianDetector() => new()
    {
        Nice = new NiceOptions
        {
            Couplings = 0, Whitening = NiceWhitening.Full, WhiteningRank = WhiteningRank, Prior = NicePrior.Gaussian,
        },
    };

    /// <summary>
    /// A flow on the whitened features that starts at <see cref="GaussianDetector"/> and keeps that start unless an
    /// epoch beats it on the validation rows: 4 couplings of <paramref name="coupling"/> × 2 hidden layers × 256 units,
    /// Gaussian prior, learning rate 1e-4, ≤ 50 epochs, early-stopping patience 5.
    /// </summary>
    public static NiceAnomalyOptions FlowDetector(NiceCoupling coupling = NiceCoupling.Affine) => new()
    {
        Nice = new NiceOptions
        {
            Couplings = 4, HiddenLayers = 2, HiddenWidth = 256, Coupling = coupling,
            Whitening = NiceWhitening.Full, WhiteningRank = WhiteningRank, Prior = NicePrior.Gaussian,
            LearningRate = 1e-4, Epochs = 50, EarlyStoppingPatience = 5,
        },
    };

    /// <summary>
    /// The radial flow on the whitened features, the default <see cref="Detector"/> (docs/image-features-design.md
    /// §15): the same whitening as <see cref="GaussianDetector"/>, then 4 additive couplings × 2 hidden layers × 256
    /// units on its <see cref="WhiteningRank"/> leading coordinates and the log-length of the residual off them
    /// (<see cref="NiceOptions.RadialFlow"/>), Gaussian prior, learning rate 1e-3, ≤ 100 epochs, early-stopping
    /// patience 10. It keeps its start unless an epoch beats it on the validation rows.
    /// </summary>
    public static NiceAnomalyOptions RadialDetector() => new()
    {
        Nice = new NiceOptions
        {
            Couplings = 4, HiddenLayers = 2, HiddenWidth = 256, Coupling = NiceCoupling.Additive,
            Whitening = NiceWhitening.Full, WhiteningRank = WhiteningRank, RadialFlow = true,
            Prior = NicePrior.Gaussian, LearningRate = 1e-3, Epochs = 100, EarlyStoppingPatience = 10,
        },
    };

    internal NiceImageFeatureOptions Clone()
    {
        var copy = (NiceImageFeatureOptions)MemberwiseClone();
        copy.Detector = Detector?.Clone()!;
        return copy;
    }

    /// <summary>Throws naming the first invalid option.</summary>
    internal void Validate()
    {
        if (Detector is null)
            throw new ArgumentNullException(nameof(Detector), "NiceImageFeatureOptions.Detector must be set.");
        Detector.Validate();
        if (string.IsNullOrWhiteSpace(ImageColumnName))
            throw new ArgumentException("NiceImageFeatureOptions.ImageColumnName must name a column.",
                nameof(ImageColumnName));
        if (string.IsNullOrWhiteSpace(EmbeddingColumnName))
            throw new ArgumentException("NiceImageFeatureOptions.EmbeddingColumnName must name a column.",
                nameof(EmbeddingColumnName));
        if (EmbeddingColumnName == Detector.FeatureColumnName)
            throw new ArgumentException($"NiceImageFeatureOptions.EmbeddingColumnName and Detector.FeatureColumnName "
                + $"are both '{EmbeddingColumnName}'; they must differ.", nameof(EmbeddingColumnName));
        if (ImagePathColumnName is not null && string.IsNullOrWhiteSpace(ImagePathColumnName))
            throw new ArgumentException("NiceImageFeatureOptions.ImagePathColumnName must name a column or be null.",
                nameof(ImagePathColumnName));
        if (Layout is { } layout && !Enum.IsDefined(layout))
            throw new ArgumentOutOfRangeException(nameof(Layout), Layout,
                "NiceImageFeatureOptions.Layout is not a NiceImageFeatureLayout value.");
        if (!Enum.IsDefined(EmbeddingTransform))
            throw new ArgumentOutOfRangeException(nameof(EmbeddingTransform), EmbeddingTransform,
                "NiceImageFeatureOptions.EmbeddingTransform is not a NiceEmbeddingTransform value.");
    }
}
