using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>Unit conversions shared by training reports and scoring.</summary>
internal static class Units
{
    /// <summary>Bits per dimension: with dequantization on the [0, L) scale, otherwise −log p / (D·ln 2) in the data's
    /// own units.</summary>
    public static double BitsPerDim(double logLikelihood, int dimension, Dequantization? dequantization)
        => BitsPerDim(logLikelihood, dimension, dequantization?.Levels ?? 0);

    /// <summary>(−log p + D·ln L)/(D·ln 2) for <paramref name="levels"/> = L ≥ 2 quantization levels; −log p/(D·ln 2)
    /// for 0 (no dequantization).</summary>
    public static double BitsPerDim(double logLikelihood, int dimension, int levels)
        => (-logLikelihood + (levels > 0 ? dimension * Math.Log(levels) : 0)) / (dimension * Math.Log(2));
}
