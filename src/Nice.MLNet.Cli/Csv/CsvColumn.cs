using System.Collections.Generic;
using System.Globalization;

namespace Nice.MLNet.Cli.Csv;

/// <summary>One column of a CSV file: its name (from the header, or "column N") and what its data cells hold.</summary>
public sealed class CsvColumn
{
    private readonly HashSet<string> values = new();

    public CsvColumn(int index, string? header)
    {
        Index = index;
        Header = string.IsNullOrWhiteSpace(header) ? null : header.Trim();
    }

    /// <summary>0-based position in the record.</summary>
    public int Index { get; }

    /// <summary>The header cell, or null without a header (or when it is empty).</summary>
    public string? Header { get; }

    /// <summary>The name messages use: the header cell, or "column N" (1-based).</summary>
    public string Name => Header ?? $"column {Index + 1}";

    /// <summary>The name quoted for messages: 'age', or column 3.</summary>
    public string Quoted => Header is null ? Name : $"'{Header}'";

    public long Numbers { get; private set; }
    public long NonFinite { get; private set; }
    public long Texts { get; private set; }
    public long Missing { get; private set; }

    /// <summary>The first cell that is not a number: its line and value (for the message that skips the
    /// column).</summary>
    public (long Line, string Value)? FirstText { get; private set; }

    public float Min { get; private set; } = float.PositiveInfinity;
    public float Max { get; private set; } = float.NegativeInfinity;

    /// <summary>Distinct non-missing values, counted up to 3 (enough to tell a two-class label).</summary>
    public IReadOnlyCollection<string> FirstValues => values;

    public CsvColumnKind Kind => Texts > 0 ? CsvColumnKind.Text : Numbers + NonFinite > 0
        ? CsvColumnKind.Numeric : CsvColumnKind.Empty;

    /// <summary>A numeric column whose finite values are all equal: it carries no information for a density.</summary>
    public bool IsConstant => Kind == CsvColumnKind.Numeric && Numbers > 0 && Min == Max;

    /// <summary>Counts one data cell.</summary>
    public void Add(string cell, long line)
    {
        switch (CsvCell.Classify(cell, out float v))
        {
            case CsvCellKind.Missing: Missing++; return;
            case CsvCellKind.NonFinite: NonFinite++; break;
            case CsvCellKind.Text:
                Texts++;
                FirstText ??= (line, cell.Trim());
                break;
            default:
                Numbers++;
                if (v < Min) Min = v;
                if (v > Max) Max = v;
                break;
        }
        if (values.Count < 3) values.Add(cell.Trim());
    }

    /// <summary>Why a text column is not used, with the first cell that is not a number.</summary>
    public string TextReason()
    {
        if (FirstText is not var (line, value)) return "";
        string first = $"line {line}: '{value}'";
        return Numbers > Texts
            ? string.Create(CultureInfo.InvariantCulture,
                $"{first}; {Texts} of {Texts + Numbers + NonFinite} cells are not numbers, fix them to use the column")
            : first;
    }
}
