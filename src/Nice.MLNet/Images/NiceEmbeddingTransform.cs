namespace Nice.MLNet.Images;

/// <summary>What the image-feature detector does to the 512 ResNet-18 features before its density model.</summary>
public enum NiceEmbeddingTransform
{
    /// <summary>The features as the network gives them (averages of ReLU outputs: non-negative, heavy right
    /// tails).</summary>
    None = 0,
    /// <summary>
    /// √x per feature: tames the right tails, so a Gaussian fits better (+0.013 mean AUROC over <see cref="None"/> on
    /// Fashion-MNIST one-class, tuning split; docs/image-features-design.md).
    /// </summary>
    SquareRoot = 1,
    /// <summary>
    /// √x per feature, then the vector scaled to unit L2 norm (the default): the same as √(x / Σx), the Hellinger map
    /// of the features as a distribution. +0.004 mean AUROC over <see cref="SquareRoot"/> on the tuning split.
    /// </summary>
    SquareRootL2Normalized = 2,
}
