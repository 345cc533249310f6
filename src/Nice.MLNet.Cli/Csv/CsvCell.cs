using System;
using System.Collections.Generic;
using System.Globalization;

namespace Nice.MLNet.Cli.Csv;

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
