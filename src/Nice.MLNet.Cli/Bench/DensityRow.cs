namespace Nice.MLNet.Cli.Bench;

/// <summary>One line of the results table.</summary>
public sealed record DensityRow(string Model, double LogLikelihood, double StandardError, double BitsPerDim,
    string Epochs, double Seconds, long Rows);
