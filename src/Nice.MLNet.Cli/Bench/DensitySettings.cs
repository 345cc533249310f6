using Nice.MLNet.Cli.Datasets;

namespace Nice.MLNet.Cli.Bench;

/// <summary>What the density benchmark trains and on which data.</summary>
public sealed record DensitySettings
{
    /// <summary>An MNIST-format folder (train-/t10k-images-idx3-ubyte[.gz] and labels).</summary>
    public string DataFolder { get; init; } = Idx.FashionMnistFolder;
    /// <summary>First rows of the training file to use; null = all (60,000 for (Fashion-)MNIST).</summary>
    public int? TrainRows { get; init; }
    /// <summary>First rows of the test file to use; null = all (10,000).</summary>
    public int? TestRows { get; init; }
    public int Epochs { get; init; } = 1500;
    /// <summary>Wall-time budget for NICE's training in minutes (stops after the epoch that crosses it, best validation
    /// epoch kept); null = none.</summary>
    public double? Minutes { get; init; }
    public int Couplings { get; init; } = 4;
    public int Hidden { get; init; } = 5;
    public int Width { get; init; } = 1000;
    public int Batch { get; init; } = 200;
    /// <summary>Held out of the training rows to pick the best epoch: 1/6 = the paper's 50k/10k split of MNIST's
    /// 60k.</summary>
    public double ValidationFraction { get; init; } = 1.0 / 6;
    /// <summary>0 = run every epoch and keep the best-validation one (the paper's protocol).</summary>
    public int Patience { get; init; }
    public bool DataDependentInit { get; init; } = true;
    public int Seed { get; init; } = 1;
    /// <summary>
    /// Added to the diagonal of the full-covariance Gaussian's ML covariance, in [0,1]² units. Default 1e-6: below the
    /// variance the dequantization noise alone gives every pixel, 1/(12·256²) ≈ 1.27e-6, so it guarantees the Cholesky
    /// factor without changing the fit much.
    /// </summary>
    public double Ridge { get; init; } = 1e-6;
    /// <summary>Where the CSV history and the PNG plot go; null = none.</summary>
    public string? OutDir { get; init; }
}
