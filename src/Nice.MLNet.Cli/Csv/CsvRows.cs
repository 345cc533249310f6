using System.Collections.Generic;
using System.Linq;

namespace Nice.MLNet.Cli.Csv;

/// <summary>
/// The rows of a CSV file as feature vectors (the chosen numeric columns, in file order) and, when asked, the label
/// cell of each. A row whose feature cell is missing or not finite, or whose label is empty, is left out and listed
/// in <see cref="Skipped"/> with its line, so nothing is dropped without a word.
/// </summary>
public sealed class CsvRows
{
    private CsvRows(float[][] features, string?[] labels, long[] lines, IReadOnlyList<CsvSkippedRow> skipped)
    {
        Features = features;
        Labels = labels;
        Lines = lines;
        Skipped = skipped;
    }

    public float[][] Features { get; }

    /// <summary>The label cell of each row (trimmed), or null for every row when no label column was given.</summary>
    public string?[] Labels { get; }

    /// <summary>The line of each row in the file.</summary>
    public long[] Lines { get; }

    public IReadOnlyList<CsvSkippedRow> Skipped { get; }

    public static CsvRows Read(CsvSchema schema, IReadOnlyList<CsvColumn> features, CsvColumn? label)
    {
        var rows = new List<float[]>();
        var labels = new List<string?>();
        var lines = new List<long>();
        var skipped = new List<CsvSkippedRow>();
        bool header = schema.HasHeader;
        foreach (var (line, fields) in CsvRecords.Read(schema.Path))
        {
            if (header)
            {
                header = false;
                continue;
            }
            var row = new float[features.Count];
            CsvSkippedRow? bad = null;
            for (int j = 0; j < features.Count && bad is null; j++)
            {
                string cell = fields[features[j].Index];
                if (CsvCell.Classify(cell, out row[j]) != CsvCellKind.Number) bad = new(line, features[j].Name,
                    cell.Trim());
            }
            string? labelValue = label is null ? null : fields[label.Index].Trim();
            if (bad is null && labelValue is "") bad = new(line, label!.Name, "");
            if (bad is not null)
            {
                skipped.Add(bad);
                continue;
            }
            rows.Add(row);
            labels.Add(labelValue);
            lines.Add(line);
        }
        return new CsvRows(rows.ToArray(), labels.ToArray(), lines.ToArray(), skipped);
    }

    /// <summary>"3 rows: line 7 (x: 'NA'), line 9 (y: ''), line 12 (x: 'NaN')", the first five named.</summary>
    public string DescribeSkipped()
    {
        string first = string.Join(", ", Skipped.Take(5));
        return Skipped.Count <= 5 ? first : $"{first} and {Skipped.Count - 5} more";
    }
}
