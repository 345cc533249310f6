using System;
using System.Linq;
using Nice.MLNet.Flow;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>The priors' log-densities against their closed forms, finite for any finite input.</summary>
public class PriorTests
{
    private static readonly float[] Values = { 0f, 0.5f, -3f, 20f, -20f, 100f, -100f, 1e4f, -1e4f, 3e4f, -1e6f, float.MaxValue / 4, -float.MaxValue / 4 };

    /// <summary>log p(h) = −|h| − 2·log(1 + e^−|h|): the standard logistic, in a form that never overflows (double precision).</summary>
    private static double Logistic(double h) => -Math.Abs(h) - 2 * Math.Log(1 + Math.Exp(-Math.Abs(h)));

    private static double Gaussian(double h) => -0.5 * h * h - 0.5 * Math.Log(2 * Math.PI);

    [Theory]
    [InlineData(NicePrior.Logistic)]
    [InlineData(NicePrior.Gaussian)]
    public void LogProb_MatchesTheClosedForm_AndIsFiniteForHugeLatents(NicePrior prior)
    {
        using var scope = NewDisposeScope();
        foreach (var v in Values)
        {
            var h = tensor(new[] { v, 0f }).reshape(1, 2);   // one row: v and 0
            double actual = Prior.LogProb(prior, h).item<float>();
            double expected = prior == NicePrior.Logistic ? Logistic(v) + Logistic(0) : Gaussian(v) + Gaussian(0);
            if (prior == NicePrior.Gaussian && Math.Abs(v) > 1e18) { Assert.True(double.IsNegativeInfinity(actual) || actual < -1e36); continue; }
            Assert.False(double.IsNaN(actual), $"{prior} log p({v}) is NaN");
            Assert.True(Math.Abs(v) > 1e5 || double.IsFinite(actual), $"{prior} log p({v}) = {actual}");
            Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"{prior} log p({v}): {actual}, closed form {expected}");
        }
    }
}
