namespace Nice.MLNet.Anomaly;

/// <summary>The one home of the defaults of <see cref="NiceAnomalyOptions"/> and of the anomaly catalog's
/// parameters.</summary>
internal static class NiceAnomalyDefaults
{
    public const string ScoreColumnName = "Score";
    public const string PredictedLabelColumnName = "PredictedLabel";
    public const NiceAnomalyScore Score = NiceAnomalyScore.Nll;
    public const double FalsePositiveRate = 0.01;
    public const NiceComplexityCompressor Compressor = NiceComplexityCompressor.Deflate;
    public const int ImageWidth = 0;
}
