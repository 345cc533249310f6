namespace Nice.MLNet;

/// <summary>How a coupling layer splits the D inputs into the conditioning part x₁ and the updated part x₂.</summary>
public enum NicePartition
{
    /// <summary>Even and odd indices, swapping roles layer by layer (the paper's default).</summary>
    Interleaved = 0,
    /// <summary>First half and second half, swapping roles layer by layer.</summary>
    Contiguous = 1,
}


/// <summary>Non-linearity of the coupling networks.</summary>
public enum NiceActivation
{
    /// <summary>max(0, x), the paper's choice.</summary>
    ReLU = 0,
    /// <summary>max(0.01·x, x).</summary>
    LeakyReLU = 1,
}


/// <summary>The factorized prior p_H(h) = Πᵢ p(hᵢ) of the latent code.</summary>
public enum NicePrior
{
    /// <summary>Standard logistic, log p(h) = −softplus(h) − softplus(−h) (the paper's choice; heavier tails).</summary>
    Logistic = 0,
    /// <summary>Standard normal, log p(h) = −h²/2 − ½·log 2π.</summary>
    Gaussian = 1,
}


/// <summary>The coupling layers' transformation of the updated part x₂.</summary>
public enum NiceCoupling
{
    /// <summary>NICE's additive coupling y₂ = x₂ + m(x₁), volume preserving (Dinh, Krueger &amp; Bengio 2014; the default).</summary>
    Additive = 0,
    /// <summary>
    /// RealNVP's affine coupling y₂ = x₂ ⊙ exp(a(x₁)) + t(x₁), a = c ⊙ tanh(â) with a learned per-dimension bound c,
    /// log|det| = Σ a (Dinh, Sohl-Dickstein &amp; Bengio, ICLR 2017).
    /// </summary>
    Affine = 1,
}


/// <summary>An invertible linear mixing of the features inserted between consecutive coupling layers.</summary>
public enum NiceMixing
{
    /// <summary>No mixing: the couplings alternate their partitions only (NICE; the default).</summary>
    None = 0,
    /// <summary>A fixed random permutation (seeded), log|det| = 0 (RealNVP/Glow's shuffle).</summary>
    Permutation = 1,
    /// <summary>
    /// A learned invertible matrix W = P·L·(U + diag(sign ⊙ exp(log|s|))), log|det| = Σ log|s| (Glow's invertible 1×1
    /// convolution in LU form, for vectors; Kingma &amp; Dhariwal, NeurIPS 2018). Costs D² parameters per mixing.
    /// </summary>
    LU = 2,
}
