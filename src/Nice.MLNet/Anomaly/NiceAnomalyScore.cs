namespace Nice.MLNet.Anomaly;

/// <summary>
/// How <see cref="NiceAnomalyDetector"/> turns a row's NICE log-likelihood log p(x) into an anomaly score (higher =
/// more anomalous).
/// </summary>
/// <remarks>
/// <para><b>Which to use.</b> <see cref="Nll"/> and <see cref="BitsPerDim"/> rank rows identically (one is an affine
/// function of the other for a given model); use <see cref="BitsPerDim"/> when thresholds or scores are compared across
/// data sets of different D. Both inherit the known trap of likelihood-based detectors shown by Nalisnick et al. 2019
/// ("Do Deep Generative Models Know What They Don't Know?", ICLR 2019, arXiv:1810.09136): flows trained on one image
/// set can give <i>higher</i> likelihood to simpler out-of-distribution inputs (constant or smooth images, SVHN under a
/// CIFAR-10 model), because likelihood is dominated by input complexity. On images or other data where inputs differ a
/// lot in how compressible they are, use <see cref="InputComplexity"/>; on tabular data of similar complexity,
/// <see cref="Nll"/> is the plain, well-understood choice.</para>
/// </remarks>
public enum NiceAnomalyScore
{
    /// <summary>S(x) = −log p(x) in nats, the negative of the NICE LogLikelihood column (a density on [0,1]ᴰ with
    /// dequantization).</summary>
    Nll = 0,

    /// <summary>
    /// S(x) = −log₂ p(x) / D: bits per dimension, on the [0, L) level scale when
    /// <see cref="NiceOptions.DequantizationLevels"/> = L is set (then D·S(x) is the code length of the discrete input
    /// in bits), else in the data's own units. Same ranking as <see cref="Nll"/>.
    /// </summary>
    BitsPerDim = 1,

    /// <summary>
    /// The input-complexity score of Serrà et al. 2020 ("Input Complexity and Out-of-distribution Detection with
    /// Likelihood-based Generative Models", ICLR 2020, arXiv:1909.11480), per dimension: S(x) = (−log₂ p(x) − L(x)) /
    /// D, where −log₂ p(x) is the model's code length of x in bits (as in <see cref="BitsPerDim"/>) and L(x) the length
    /// in bits of x compressed by a general-purpose lossless compressor (see
    /// <see cref="NiceAnomalyOptions.Compressor"/> and <see cref="NiceAnomalyOptions.ImageWidth"/>) on the 8-bit
    /// quantized values. L(x) estimates the complexity any model would assign to x, so S(x) is a log-likelihood ratio
    /// against a universal model: simple inputs no longer look normal just because every model finds them likely.
    /// </summary>
    InputComplexity = 2,
}
