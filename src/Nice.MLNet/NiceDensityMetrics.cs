namespace Nice.MLNet;

/// <summary>Mean log-likelihood of a data set under a NICE model, in the literature's units.</summary>
/// <param name="LogLikelihood">
/// Mean log p(x) in nats per row (with dequantization: a density on [0,1]ᴰ, the paper's convention).
/// </param>
/// <param name="StandardError">Standard error of that mean over rows.</param>
/// <param name="BitsPerDim">The mean in bits per dimension (on the [0, L) scale with dequantization).</param>
/// <param name="Rows">Rows evaluated (rows with NaN/infinity are not counted).</param>
public sealed record NiceDensityMetrics(double LogLikelihood, double StandardError, double BitsPerDim, long Rows);
