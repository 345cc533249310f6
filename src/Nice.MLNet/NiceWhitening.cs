namespace Nice.MLNet;

/// <summary>
/// A fixed affine first layer y = W(x − μ) set from the training rows before training (not trained): the flow then
/// starts at a Gaussian fitted in closed form and its couplings learn only what that Gaussian misses.
/// </summary>
public enum NiceWhitening
{
    /// <summary>No whitening layer (the default; NICE's model).</summary>
    None = 0,
    /// <summary>
    /// Per-feature standardization: μ the training mean, W = diag(1/σ) with σ the training standard deviation
    /// (floored at 10⁻⁶ of the root-mean variance). With no couplings and a Gaussian prior: a diagonal Gaussian.
    /// </summary>
    Diagonal = 1,
    /// <summary>
    /// Full whitening: μ the training mean, W = L⁻¹ with L the Cholesky factor of the covariance shrunk toward a scaled
    /// identity, Σ = (1 − α) S + α (tr S / D) I, α by Ledoit &amp; Wolf (2004) unless
    /// <see cref="NiceOptions.WhiteningShrinkage"/> fixes it. With no couplings and a Gaussian prior: the shrunk
    /// full-covariance Gaussian, whose −log p ranks rows like the Mahalanobis distance.
    /// </summary>
    Full = 2,
}
