namespace Nice.MLNet.Images;

/// <summary>Which ResNet-18 activations make an image's features (docs/image-features-design.md §10).</summary>
public enum NiceImageFeatureLayout
{
    /// <summary>The network's global average pool: 512 values per image (<c>DnnFeaturizeImage</c>'s output). The layout
    /// of <c>ImageFeatures(modelFactory, options)</c>.</summary>
    GlobalPool = 0,

    /// <summary>
    /// 6,656 values per image: the last ReLU of layer2 (128 × 28 × 28) averaged over 7 × 7 cells, a 4 × 4 grid (2,048),
    /// the last ReLU of layer3 (256 × 14 × 14) over 5 × 5 cells with stride 3, a 4 × 4 grid of overlapping cells
    /// (4,096), and the global pool (512). The cells keep coarse position (where in the image a pattern is), which the
    /// global pool averages away. Read from the ResNet-18 package's model with two AveragePool outputs added (the
    /// package's file is not changed; the patched graph is saved in the model zip). The embedding transform applies to
    /// each of the three blocks on its own (√x, then unit length per block), and the blocks are concatenated. The
    /// default of <c>ImageFeatures(options)</c>: 0.9505 mean AUROC on Fashion-MNIST one-class against 0.9421 for
    /// <see cref="GlobalPool"/>. With normal images of several kinds (all ten garments against MNIST digits) the pool
    /// vector caught more at a strict false-alarm budget (README).
    /// </summary>
    Grid = 1,
}
