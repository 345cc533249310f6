using System;
using System.Collections.Generic;
using System.Globalization;

namespace Nice.MLNet.Cli.Csv;

/// <summary>What a CSV cell holds, as the column typing sees it.</summary>
public enum CsvCellKind
{
    /// <summary>Empty, or a usual marker of a missing value (NA, N/A, null, ...): the cell has no value.</summary>
    Missing,

    /// <summary>A finite number that fits a Single, parsed with the invariant culture (1.5, -2e3).</summary>
    Number,

    /// <summary>A number that is not finite or does not fit a Single (NaN, Infinity, 1e39): typed as a number, not
    /// usable.</summary>
    NonFinite,

    /// <summary>Anything else: the column it is in is a text column.</summary>
    Text,
}

/// <summary>Classifies and parses cells; numbers are read with <see cref="CultureInfo.InvariantCulture"/>
/// only.</summary>
public static class CsvCell
{
    /// <summary>Markers of a missing value (those pandas reads as missing), compared case-insensitively after
    /// trimming.</summary>
    public static readonly IReadOnlySet<string> MissingMarkers = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "NA", "N/A", "#N/A", "NULL", "None", "nan", "-nan", "<NA>", "?",
    };

    /// <summary>The kind of <paramref name="cell"/> and, for <see cref="CsvCellKind.Number"/>, its value.</summary>
    public static CsvCellKind Classify(string cell, out float value)
    {
        value = 0;
        var text = cell.AsSpan().Trim();
        if (text.IsEmpty) return CsvCellKind.Missing;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
        {
            if (double.IsNaN(v) && MissingMarkers.Contains(text.ToString())) return CsvCellKind.Missing;
            if (!double.IsFinite(v) || Math.Abs(v) > float.MaxValue) return CsvCellKind.NonFinite;
            value = (float)v;
            return CsvCellKind.Number;
        }
        return MissingMarkers.Contains(text.ToString()) ? CsvCellKind.Missing : CsvCellKind.Text;
    }

    /// <summary>True when the cell is a number of any kind (finite or not): what makes a first line look like
    /// data.</summary>
    public static bool LooksNumeric(string cell) => Classify(cell,
        out _) is CsvCellKind.Number or CsvCellKind.NonFinite;
}
