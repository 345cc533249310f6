using System.Collections.Generic;

namespace Nice.MLNet.Cli.Bench;

/// <summary>Settings of <c>anomaly --dataset fashion-features</c>.</summary>
public sealed record FeatureBenchSettings(
    IReadOnlyList<string> Methods, string Embedding, double? Shrinkage, int Couplings, int HiddenLayers,
    int HiddenWidth, int Epochs, double LearningRate, int Patience, int PcaRank, int Seed, int TrainRows,
    int TestRows, IReadOnlyList<int> Classes, bool Tune, bool Ood, int SpeedImages, int TrainImages,
    int DigitsEvery, NiceOptions PixelNice, string CacheFolder, string MnistFolder)
{
    /// <summary>True when the run uses fewer training images or digits than the full benchmark.</summary>
    public bool IsReduced => TrainImages < 60000 || DigitsEvery > 1;
}
