using System;

namespace Nice.MLNet.Flow;

/// <summary>The lower Cholesky factor of a symmetric positive semi-definite matrix plus a ridge.</summary>
internal static class Cholesky
{
    /// <summary>L with L·Lᵀ = <paramref name="a"/> + <paramref name="ridge"/>·I (row-major D × D, in double).</summary>
    public static double[] Lower(double[] a, int d, double ridge)
    {
        var l = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i * d + j] + (i == j ? ridge : 0);
                for (int k = 0; k < j; k++) sum -= l[i * d + k] * l[j * d + k];
                l[i * d + j] = i == j ? Math.Sqrt(Math.Max(sum, ridge)) : sum / l[j * d + j];
            }
        return l;
    }
}
