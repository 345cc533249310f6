namespace Nice.MLNet.Cli.Csv;

/// <summary>A data row left out, with its line and the cell that made it unusable.</summary>
public sealed record CsvSkippedRow(long Line, string Column, string Value)
{
    public override string ToString() => $"line {Line} ({Column}: '{Value}')";
}
