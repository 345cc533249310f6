namespace Nice.MLNet.Cli.Csv;

/// <summary>How a column is used.</summary>
public enum CsvColumnKind
{
    /// <summary>Every non-missing cell is a number.</summary>
    Numeric,

    /// <summary>At least one cell is not a number.</summary>
    Text,

    /// <summary>No cell has a value.</summary>
    Empty,
}
