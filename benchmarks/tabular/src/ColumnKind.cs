using System;
using System.Linq;

namespace Nice.MLNet.Tabular;

/// <summary>
/// What the training rows say about a column (the rule proposed for the library, prototyped here): constant (one
/// value), discrete with a step (every value on a grid v₀ + k·step, step = the smallest gap between distinct values,
/// at most <see cref="MaxLevelsFraction"/>·n distinct values or integer-valued), or continuous.
/// </summary>
public sealed record ColumnKind(bool Constant, double Step)
{
    /// <summary>A column with more distinct values than this fraction of the rows is called continuous unless integer-valued.</summary>
    public const double MaxLevelsFraction = 0.5;

    public bool Discrete => Step > 0;

    public static ColumnKind[] Detect(double[][] rows)
    {
        int d = rows[0].Length;
        return Enumerable.Range(0, d).Select(j => Of(rows.Select(r => r[j]).ToArray())).ToArray();
    }

    public static ColumnKind Of(double[] values)
    {
        var v = values.Distinct().OrderBy(x => x).ToArray();
        if (v.Length == 1) return new ColumnKind(true, 0);
        double step = Enumerable.Range(1, v.Length - 1).Min(i => v[i] - v[i - 1]);
        bool onGrid = v.All(x => Math.Abs((x - v[0]) / step - Math.Round((x - v[0]) / step)) < 1e-3);
        bool integer = v.All(x => x == Math.Round(x));
        if (integer) return new ColumnKind(false, Math.Max(1, onGrid ? step : 1));
        return onGrid && v.Length <= MaxLevelsFraction * values.Length ? new ColumnKind(false, step) : new ColumnKind(false, 0);
    }
}
