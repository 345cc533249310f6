namespace Nice.MLNet;

/// <summary>How a coupling layer splits the D inputs into the conditioning part x₁ and the updated part x₂.</summary>
public enum NicePartition
{
    /// <summary>Even and odd indices, swapping roles layer by layer (the paper's default).</summary>
    Interleaved = 0,
    /// <summary>First half and second half, swapping roles layer by layer.</summary>
    Contiguous = 1,
}
