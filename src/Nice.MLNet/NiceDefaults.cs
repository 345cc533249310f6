namespace Nice.MLNet;

/// <summary>
/// The one home of the defaults of <see cref="NiceOptions"/> and of the catalog methods' parameters (ML.NET's
/// <c>Defaults</c> pattern): the NICE paper's MNIST model and optimizer (Dinh, Krueger &amp; Bengio, arXiv:1410.8516),
/// except where <see cref="NiceOptions"/> says otherwise.
/// </summary>
internal static class NiceDefaults
{
    public const string InputColumnName = "Features";
    public const string LatentColumnName = "Latent";
    public const string LogLikelihoodColumnName = "LogLikelihood";

    public const int Couplings = 4;
    public const int HiddenLayers = 5;
    public const int HiddenWidth = 1000;
    public const NiceActivation Activation = NiceActivation.ReLU;
    public const NicePartition Partition = NicePartition.Interleaved;
    public const NicePrior Prior = NicePrior.Logistic;
    public const NiceCoupling Coupling = NiceCoupling.Additive;
    public const NiceMixing Mixing = NiceMixing.None;
    public const bool ActNorm = false;
    public const NiceWhitening Whitening = NiceWhitening.None;

    public const int Epochs = 100;
    public const int BatchSize = 200;
    public const double LearningRate = 1e-3;
    public const double Beta1 = 0.9;
    public const double Beta2 = 0.99;
    public const double AdamEpsilon = 1e-4;
    public const double WeightDecay = 0;
    public const double GradientClipNorm = 0;
    public const double ValidationFraction = 0.1;
    public const int EarlyStoppingPatience = 10;
    public const int Seed = 0;

    public const int DequantizationLevels = 0;
    public const double QuantizationStep = 1.0;
    public const double QuantizationOffset = 0;
    public const bool DataDependentInit = true;
    public const bool CacheInMemory = true;
    public const int ShufflePoolRows = 10_000;
    public const bool SkipNonFiniteRows = false;
    public const int ScoringBatchSize = 512;
    /// <summary>The largest <see cref="NiceOptions.ScoringBatchSize"/> accepted (2²⁰ rows).</summary>
    public const int MaxScoringBatchSize = 1 << 20;
    public const string Device = "cpu";
    public const NiceScoringEngine ScoringEngine = NiceScoringEngine.Auto;
    /// <summary>0 = the automatic thread count (see <see cref="NiceOptions.Threads"/>).</summary>
    public const int Threads = 0;
}
