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
