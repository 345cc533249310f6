using System.Collections.Generic;

namespace Nice.MLNet.Cli.Bench;

/// <summary>Settings of <c>anomaly --dataset fashion-features</c>.</summary>
public sealed record FeatureBenchSettings(
    IReadOnlyList<string> Methods, string Embedding, double? Shrinkage, int Couplings, int HiddenLayers,
    int HiddenWidth, int Epochs, double LearningRate, int Patience, int PcaRank, int Seed, int TrainRows,
    int TestRows, IReadOnlyList<int> Classes, bool Tune, bool Ood, int SpeedImages, int TrainImages,
    int DigitsEvery, NiceOptions PixelNice, string CacheFolder, string MnistFolder,
    Nice.MLNet.Images.NiceImageFeatureLayout Layout = Nice.MLNet.Images.NiceImageFeatureLayout.Grid,
    int? WhiteningRank = null)
{
    /// <summary>True when the run uses fewer training images or digits than the full benchmark.</summary>
    public bool IsReduced => TrainImages < 60000 || DigitsEvery > 1;

    /// <summary>Floats per cached embedding: 512, or 6,656 with the grid layout.</summary>
    public int Width => Layout == Nice.MLNet.Images.NiceImageFeatureLayout.Grid
        ? Nice.MLNet.Images.NiceImageFeatures.GridEmbeddingSize : Nice.MLNet.Images.NiceImageFeatures.EmbeddingSize;

    /// <summary>
    /// The rank of the detectors' PPCA whitening: null (Ledoit–Wolf or the fixed shrinkage) when
    /// <see cref="Shrinkage"/> is set or --whitening-rank is 0, else --whitening-rank or the library's default.
    /// </summary>
    public int? EffectiveWhiteningRank => Shrinkage is not null || WhiteningRank == 0 ? null
        : WhiteningRank ?? Nice.MLNet.Images.NiceImageFeatureOptions.WhiteningRank;

    /// <summary>The cache file name's model part: "resnet18", or "resnet18-grid-l3x4" (layer3 as a 4 × 4 grid; the
    /// earlier 3,584-d grid's files, "resnet18-grid", are not read).</summary>
    public string CacheTag
        => Layout == Nice.MLNet.Images.NiceImageFeatureLayout.Grid ? "resnet18-grid-l3x4" : "resnet18";
}
