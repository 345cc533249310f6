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
