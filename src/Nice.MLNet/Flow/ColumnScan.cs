using System;
using System.Collections.Generic;

namespace Nice.MLNet.Flow;

/// <summary>
/// What the first rows of a source say about its columns, read once before training (at most
/// <see cref="MaxRows"/> rows): how many rows there are (up to that cap), each column's mean and standard deviation,
/// whether it is constant or its values sit on a grid (<see cref="ColumnShape"/>), and, when asked, the covariance.
/// </summary>
internal sealed class ColumnScan
{
    /// <summary>The most rows read.</summary>
    public const int MaxRows = 10_000;

    /// <summary>A non-integer column is discrete only when it has at most this fraction of the rows' count of distinct
    /// values.</summary>
    public const double MaxLevelsFraction = 0.5;

    private ColumnScan(int rows, bool moreRows, double[] mean, double[] sd, ColumnShape[] shapes, double[]? cov)
    {
        Rows = rows;
        MoreRows = moreRows;
        Mean = mean;
        StandardDeviation = sd;
        Shapes = shapes;
        Covariance = cov;
    }

    /// <summary>Rows read (≤ <see cref="MaxRows"/>).</summary>
    public int Rows { get; }

    /// <summary>True when the source has more rows than were read.</summary>
    public bool MoreRows { get; }

    public int Dimension => Mean.Length;

    public double[] Mean { get; }

    /// <summary>Population standard deviation per column.</summary>
    public double[] StandardDeviation { get; }

    /// <summary>Per column: constant, on a grid, or continuous (null when shapes were not asked for).</summary>
    public ColumnShape[] Shapes { get; }

    /// <summary>The population covariance (row-major D × D), or null when not asked for.</summary>
    public double[]? Covariance { get; }

    /// <summary>Reads up to <see cref="MaxRows"/> rows of <paramref name="source"/>.</summary>
    public static ColumnScan Read(IRowSource source, bool shapes, bool covariance)
    {
        int d = source.Dimension;
        var values = new List<float>();
        int rows = 0;
        bool more = false;
        foreach (var row in source.ReadRows())
        {
            if (rows == MaxRows)
            {
                more = true;
                break;
            }
            values.AddRange(row.Span);
            rows++;
        }
        var data = values.ToArray();
        var mean = new double[d];
        var sd = new double[d];
        for (int j = 0; j < d; j++)
        {
            double sum = 0, sumSq = 0;
            for (int i = 0; i < rows; i++) sum += data[i * d + j];
            double m = rows > 0 ? sum / rows : 0;
            for (int i = 0; i < rows; i++) sumSq += (data[i * d + j] - m) * (data[i * d + j] - m);
            mean[j] = m;
            sd[j] = rows > 0 ? Math.Sqrt(sumSq / rows) : 0;
        }
        var kinds = new ColumnShape[d];
        if (shapes)
        {
            var column = new double[rows];
            for (int j = 0; j < d; j++)
            {
                for (int i = 0; i < rows; i++) column[i] = data[i * d + j];
                kinds[j] = ColumnShape.Of(column);
            }
        }
        return new ColumnScan(rows, more, mean, sd, shapes ? kinds : Array.Empty<ColumnShape>(),
            covariance ? CovarianceOf(data, rows, d, mean) : null);
    }

    private static double[] CovarianceOf(float[] data, int rows, int d, double[] mean)
    {
        var cov = new double[d * d];
        var centred = new double[d];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < d; j++) centred[j] = data[i * d + j] - mean[j];
            for (int a = 0; a < d; a++)
                for (int b = 0; b <= a; b++) cov[a * d + b] += centred[a] * centred[b];
        }
        for (int a = 0; a < d; a++)
            for (int b = 0; b <= a; b++)
            {
                cov[a * d + b] /= Math.Max(1, rows);
                cov[b * d + a] = cov[a * d + b];
            }
        return cov;
    }
}

/// <summary>
/// What the training rows say about one column: <see cref="Constant"/> (one distinct value, <see cref="Value"/>),
/// discrete (<see cref="Step"/> &gt; 0: every value on the grid v₀ + k·step to float32 precision, and either
/// integer-valued or with at most <see cref="ColumnScan.MaxLevelsFraction"/> of the rows' count of distinct values), or
/// continuous (neither).
/// </summary>
/// <remarks>
/// The values arrive as float32, often standardized, so a grid such as 0.01 is only approximately one: each value
/// carries a rounding error of up to 2⁻²⁴·|v|, and the smallest gap between two values is the step only to about that
/// error. Far up the grid (k in the thousands) that error, times k, is more than a step. So the step is refined on
/// the way up: the distinct values are walked in order, each one's k is read off the current step (it must be within ¼
/// of an integer), and the step becomes span / k, ever more precise as the span grows. A value is then on the grid
/// when it is within max(10⁻³·step, 8·2⁻²⁴·max|v|) of v₀ + k·step; a grid finer than 64 float32 units of the largest
/// value is no grid.
/// </remarks>
internal readonly record struct ColumnShape(bool Constant, double Value, double Step)
{
    public bool Discrete => Step > 0;

    /// <summary>float32's unit roundoff, 2⁻²⁴.</summary>
    private const double Float32Roundoff = 1.0 / (1 << 24);

    /// <summary>The shape of a column's values (sorted in place).</summary>
    public static ColumnShape Of(double[] values)
    {
        if (values.Length == 0) return default;
        Array.Sort(values);
        double first = values[0];
        int distinct = 1;
        double gap = double.PositiveInfinity;
        bool integer = first == Math.Round(first);
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] == values[i - 1]) continue;
            distinct++;
            gap = Math.Min(gap, values[i] - values[i - 1]);
            integer &= values[i] == Math.Round(values[i]);
        }
        if (distinct == 1) return new ColumnShape(true, first, 0);
        if (integer) return new ColumnShape(false, 0, Math.Max(1, OnGrid(values, gap) ? gap : 1));
        return distinct <= ColumnScan.MaxLevelsFraction * values.Length && GridStep(values, gap) is double step
            ? new ColumnShape(false, 0, step)
            : new ColumnShape(false, 0, 0);
    }

    /// <summary>Exactly on the grid min + k·<paramref name="step"/> (integers: no rounding involved).</summary>
    private static bool OnGrid(double[] sorted, double step)
    {
        foreach (var v in sorted)
        {
            double k = (v - sorted[0]) / step;
            if (Math.Abs(k - Math.Round(k)) >= 1e-3) return false;
        }
        return true;
    }

    /// <summary>The refined step of the grid the sorted float32 values sit on, or null when they do not sit on one
    /// (see the remarks).</summary>
    private static double? GridStep(double[] sorted, double smallestGap)
    {
        double first = sorted[0];
        double precision = Float32Roundoff * Math.Max(Math.Abs(first), Math.Abs(sorted[^1]));
        if (smallestGap <= 64 * precision) return null;
        double step = smallestGap;
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i] == sorted[i - 1]) continue;
            double span = sorted[i] - first, k = Math.Round(span / step);
            if (Math.Abs(span / step - k) > 0.25) return null;
            step = span / k;
        }
        double tolerance = Math.Max(1e-3 * step, 8 * precision);
        foreach (var v in sorted)
        {
            double span = v - first;
            if (Math.Abs(span - Math.Round(span / step) * step) > tolerance) return null;
        }
        return step;
    }
}
