using System;
using Xunit;

namespace Nice.MLNet.Tests.Onnx;

internal static class OnnxAssert
{
    /// <summary>|actual − expected| ≤ tol·max(1, |expected|) element by element, and no NaN/∞ anywhere.</summary>
    public static void Close(float[] expected, float[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]), $"{what}[{i}] is {actual[i]}");
            double err = Math.Abs(actual[i] - expected[i]);
            Assert.True(err <= tol * Math.Max(1.0, Math.Abs(expected[i])),
                $"{what}[{i}]: ONNX {actual[i]}, torch {expected[i]} (error {err:g3})");
        }
    }
}
