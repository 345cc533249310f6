using System;
using Xunit.Sdk;

namespace Nice.MLNet.Tests;

/// <summary>
/// Closeness by absolute difference. xunit's <c>Assert.Equal(expected, actual, precision)</c> rounds both sides to
/// <c>precision</c> decimals first, so two values 5e-7 apart fail when they straddle a rounding boundary and two values
/// almost 1e-4 apart pass at precision 4 when they do not: use this instead.
/// </summary>
internal static class Approx
{
    /// <summary>Passes when |<paramref name="expected"/> − <paramref name="actual"/>| ≤ <paramref name="tolerance"/> (NaN never passes).</summary>
    public static void Equal(double expected, double actual, double tolerance, string? what = null)
    {
        double difference = Math.Abs(expected - actual);
        if (!(difference <= tolerance))
            throw new XunitException(
                $"{what ?? "value"}: expected {expected:R}, actual {actual:R}, |difference| {difference:G3} > tolerance {tolerance:G3}");
    }
}
