namespace Nice.MLNet.Flow;

/// <summary>
/// The fixed values of a <see cref="Whitening"/>, row-major float32 as a saved model holds them: μ [D] and W's
/// "weight" — [D, D] lower triangular (full), [D] (diagonal), or, for the low-rank form W = s I + V diag(g) Vᵀ, the
/// isotropic scale s [1] with the orthonormal basis V [D, K] (<paramref name="Basis"/>) and the gains g [K]
/// (<paramref name="Gain"/>). Basis and Gain are null except in the low-rank form.
/// </summary>
internal sealed record WhiteningParts(float[] Mean, float[] Weight, float[]? Basis = null, float[]? Gain = null)
{
    /// <summary>K, the number of basis directions (0 unless low-rank).</summary>
    public int Rank => Gain?.Length ?? 0;
}
