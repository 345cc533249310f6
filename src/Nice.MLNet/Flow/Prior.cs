using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>Log-densities and samplers of the factorized priors, stable for any finite h (no overflow up to |h| = 1e4
/// and beyond).</summary>
internal static class Prior
{
    private static readonly double HalfLog2Pi = 0.5 * Math.Log(2 * Math.PI);

    /// <summary>Σᵢ log p(hᵢ) per row: shape [N] for h of shape [N, D].</summary>
    public static Tensor LogProb(NicePrior prior, Tensor h) => prior switch
    {
        NicePrior.Logistic => -(nn.functional.softplus(h) + nn.functional.softplus(-h)).sum(1),
        NicePrior.Gaussian => (h.square() * -0.5 - HalfLog2Pi).sum(1),
        _ => throw new ArgumentOutOfRangeException(nameof(prior), prior, "Unknown prior."),
    };

    /// <summary>Standard deviation of one coordinate of the prior: π/√3 (logistic) or 1 (Gaussian).</summary>
    public static double StandardDeviation(NicePrior prior)
        => prior == NicePrior.Logistic ? Math.PI / Math.Sqrt(3) : 1.0;

    /// <summary>n draws of h ~ p_H scaled by <paramref name="temperature"/> (the standard deviation of each coordinate
    /// is multiplied by it).</summary>
    public static Tensor Sample(NicePrior prior, long n, long dimension, double temperature, Generator? generator)
    {
        if (!(temperature >= 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                "Temperature must be a finite number >= 0.");
        Tensor h;
        switch (prior)
        {
            case NicePrior.Logistic:
                using (NewDisposeScope())
                {
                    var u = rand(new[] { n, dimension }, generator: generator).clamp(1e-7, 1 - 1e-7);
                    h = (u.log() - (-u).log1p()).MoveToOuterDisposeScope();
                }
                break;
            case NicePrior.Gaussian:
                h = randn(new[] { n, dimension }, generator: generator);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(prior), prior, "Unknown prior.");
        }
        if (temperature != 1.0) h.mul_(temperature);
        return h;
    }
}
