namespace Nice.MLNet;

/// <summary>The factorized prior p_H(h) = Πᵢ p(hᵢ) of the latent code.</summary>
public enum NicePrior
{
    /// <summary>Standard logistic, log p(h) = −softplus(h) − softplus(−h) (the paper's choice; heavier
    /// tails).</summary>
    Logistic = 0,
    /// <summary>Standard normal, log p(h) = −h²/2 − ½·log 2π.</summary>
    Gaussian = 1,
}
