using System;

namespace Nice.MLNet.Flow;

/// <summary>Rows holding NaN or ±∞: found before scoring (they are scored as zeros) and given NaN outputs
/// after.</summary>
internal static class NonFiniteRows
{
    /// <summary>A flag per row, true where the row has a non-finite value; null when every row is finite.</summary>
    public static bool[]? Find(ReadOnlySpan<float> input, int rows, int d)
    {
        bool[]? bad = null;
        for (int r = 0; r < rows; r++)
            foreach (var v in input.Slice(r * d, d))
                if (!float.IsFinite(v))
                {
                    (bad ??= new bool[rows])[r] = true;
                    break;
                }
        return bad;
    }

    /// <summary>NaN log-likelihood and latent for every flagged row.</summary>
    public static void MarkNaN(bool[] bad, int d, float[]? latent, float[]? logLikelihood)
    {
        for (int r = 0; r < bad.Length; r++)
            if (bad[r])
            {
                if (logLikelihood != null) logLikelihood[r] = float.NaN;
                latent?.AsSpan(r * d, d).Fill(float.NaN);
            }
    }
}
