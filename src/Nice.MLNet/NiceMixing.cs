namespace Nice.MLNet;

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
