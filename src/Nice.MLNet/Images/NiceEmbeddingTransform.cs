namespace Nice.MLNet.Images;

/// <summary>What the image-feature detector does to the 512 ResNet-18 features before its density model.</summary>
public enum NiceEmbeddingTransform
{
    /// <summary>The features as the network gives them (averages of ReLU outputs: non-negative, heavy right
    /// tails).</summary>
    None = 0,
    /// <summary>
    /// √x per feature (the default): tames the right tails, so a Gaussian fits better (phase 1 of issue 17: +0.012
    /// mean AUROC on Fashion-MNIST one-class, docs/image-features-design.md).
    /// </summary>
    SquareRoot = 1,
}
