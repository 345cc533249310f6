using System;

namespace Nice.MLNet;

/// <summary>
/// How the flow treats one feature column. A flow is a density model: on a column whose values sit on a grid (integers,
/// 0.01's) or never change, maximum likelihood can grow without bound by piling density on the repeated values (a point
/// mass has no finite density), and exact duplicates of training rows get memorized. So in training each row gets
/// fresh uniform noise u·<see cref="Step"/>, u ~ U(−½, ½), on such columns (dequantization, as for pixels), and the
/// log-likelihood is the density of the noisy variable — at scoring the values are used as they are.
/// </summary>
/// <remarks>
/// <para><see cref="NiceOptions.ColumnKinds"/> overrides the kinds detected from the training rows (at most their
/// first 10,000): a column with one value is <see cref="NiceColumnType.Constant"/>; an integer-valued column, or one
/// whose values all lie on a grid v₀ + k·step with at most half as many distinct values as rows, is
/// <see cref="NiceColumnType.Discrete"/> with that step (at least 1 for integers); any other column is
/// <see cref="NiceColumnType.Continuous"/>. The step starts as the smallest gap between distinct values and is refined
/// along the sorted values; a value is on the grid within max(10⁻³·step, 8 float32 units of the column's largest
/// |value|), so a grid still counts after standardization and float32 rounding (0.01's divided by a standard
/// deviation).</para>
/// <para>The rule for a constant column (value c): its noise has width w = the median standard deviation of the
/// non-constant columns, so the flow learns it as c + U(−w/2, w/2). A row at c scores as usual; a row off c by δ is
/// less likely by about 2π·|δ|/w nats (the logistic prior's tail on a dimension of standard deviation w/√12) — finite,
/// and in the data's own scale rather than a hidden floor.</para>
/// </remarks>
/// <param name="Type">Continuous, discrete or constant.</param>
/// <param name="Step">The width of the training noise: the grid step (discrete), the typical standard deviation w
/// (constant), 0 (continuous).</param>
public sealed record NiceColumnKind(NiceColumnType Type, double Step)
{
    /// <summary>A real-valued column: no noise.</summary>
    public static NiceColumnKind Continuous { get; } = new(NiceColumnType.Continuous, 0);

    /// <summary>A column whose values lie on a grid of <paramref name="step"/> (&gt; 0, finite).</summary>
    public static NiceColumnKind Discrete(double step)
    {
        if (!(step > 0) || double.IsInfinity(step))
            throw new ArgumentOutOfRangeException(nameof(step), step, "The step must be a finite number > 0.");
        return new(NiceColumnType.Discrete, step);
    }

    /// <summary>A column constant in the training rows, dequantized with noise of width
    /// <paramref name="width"/>.</summary>
    internal static NiceColumnKind Constant(double width) => new(NiceColumnType.Constant, width);

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        NiceColumnType.Continuous => "continuous",
        NiceColumnType.Discrete => FormattableString.Invariant($"discrete (step {Step:G4})"),
        _ => FormattableString.Invariant($"constant (noise width {Step:G4})"),
    };
}
