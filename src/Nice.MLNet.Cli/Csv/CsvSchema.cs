using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Nice.MLNet.Cli.Hosting;

namespace Nice.MLNet.Cli.Csv;

/// <summary>
/// The columns of a CSV file, typed by reading every cell: a column is numeric when all its non-missing cells parse as
/// numbers with the invariant culture, text otherwise. Whether line 1 is a header is decided from the data, never by
/// dropping a row silently: it is a header when it has a non-numeric cell in a column that is numeric below it and no
/// number in such a column; it is data when its cells in the numeric columns are numbers; anything else is ambiguous
/// and the user is asked for <c>--header true|false</c>.
/// </summary>
public sealed class CsvSchema
{
    private CsvSchema(string path, bool hasHeader, string headerReason, IReadOnlyList<CsvColumn> columns, long dataRows)
    {
        Path = path;
        HasHeader = hasHeader;
        HeaderReason = headerReason;
        Columns = columns;
        DataRows = dataRows;
    }

    public string Path { get; }
    public bool HasHeader { get; }

    /// <summary>Why line 1 is (or is not) taken as the header, for the user to check.</summary>
    public string HeaderReason { get; }

    public IReadOnlyList<CsvColumn> Columns { get; }

    /// <summary>Records after the header (if any).</summary>
    public long DataRows { get; }

    /// <summary>Reads the file once and types its columns; <paramref name="header"/> null = detect.</summary>
    public static CsvSchema Infer(string path, bool? header)
    {
        string[]? first = null;
        long firstLine = 0, rows = 0;
        CsvColumn[]? below = null;
        foreach (var (line, fields) in CsvRecords.Read(path))
        {
            rows++;
            if (first is null)
            {
                first = fields;
                firstLine = line;
                below = fields.Select((_, i) => new CsvColumn(i, null)).ToArray();
                continue;
            }
            for (int i = 0; i < fields.Length; i++) below![i].Add(fields[i], line);
        }
        if (first is null) throw new InvalidDataException($"{path}: the file has no rows.");

        var (hasHeader, reason) = header is bool given
            ? (given, $"--header {(given ? "true" : "false")}")
            : DetectHeader(path, first, firstLine, below!);
        var columns = first.Select((cell, i) => new CsvColumn(i, hasHeader ? cell : null)).ToArray();
        // Count the cells again, now under their names (and line 1 among the data when it is not the header).
        foreach (var (line, fields) in CsvRecords.Read(path))
        {
            if (hasHeader && line == firstLine) continue;
            for (int i = 0; i < fields.Length; i++) columns[i].Add(fields[i], line);
        }
        return new CsvSchema(path, hasHeader, reason, columns, hasHeader ? rows - 1 : rows);
    }

    /// <summary>
    /// Finds a column by header name, or by 1-based number (or "column N"); throws <see cref="CliUsageException"/>
    /// listing the columns when none matches.
    /// </summary>
    public CsvColumn Find(string nameOrNumber, string option)
    {
        var byName = Columns.FirstOrDefault(c => string.Equals(c.Header, nameOrNumber.Trim(),
            StringComparison.Ordinal));
        if (byName is not null) return byName;
        string number = nameOrNumber.Trim().StartsWith("column ", StringComparison.Ordinal)
            ? nameOrNumber.Trim()[7..] : nameOrNumber;
        if (int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1
            && n <= Columns.Count)
            return Columns[n - 1];
        string names = HasHeader
            ? string.Join(", ", Columns.Select(c => c.Quoted))
            : $"no header: give a number from 1 to {Columns.Count}";
        throw new CliUsageException($"{option}: {Path} has no column '{nameOrNumber}' (columns: {names}).");
    }

    private static (bool HasHeader, string Reason) DetectHeader(string path, string[] first, long line,
        CsvColumn[] below)
    {
        bool firstHasText = first.Any(c => CsvCell.Classify(c, out _) == CsvCellKind.Text);
        if (below.All(c => c.Kind == CsvColumnKind.Empty))
            return firstHasText
                ? throw Ambiguous(path, line, "it is the only line")
                : (false, $"line {line} is data: the file has one line, without text");
        var numericBelow = below.Where(c => c.Kind == CsvColumnKind.Numeric).ToArray();
        if (numericBelow.Length == 0) return (false, $"line {line} is read as data: no column holds numbers below it");
        var textInNumeric = numericBelow.Where(c => CsvCell.Classify(first[c.Index], out _) == CsvCellKind.Text)
            .ToArray();
        var numbersInNumeric = numericBelow.Where(c => CsvCell.LooksNumeric(first[c.Index])).ToArray();
        if (textInNumeric.Length > 0 && numbersInNumeric.Length == 0)
            return (true, $"line {line} is the header: it has names ({Cells(first, textInNumeric)}) over numbers");
        if (textInNumeric.Length > 0)
            throw Ambiguous(path, line,
                $"it has text ({Cells(first, textInNumeric)}) over columns of numbers, and numbers "
                    + $"({Cells(first, numbersInNumeric)})");
        if (numbersInNumeric.Length > 0)
            return (false, $"line {line} is data: it has numbers in the numeric columns and no names over them");
        return firstHasText
            ? throw Ambiguous(path, line, "its cells over the numeric columns are empty, and it has text elsewhere")
            : (false, $"line {line} is data: it has no names over the numeric columns");
    }

    private static string Cells(string[] first, IEnumerable<CsvColumn> columns)
        => string.Join(", ", columns.Take(3).Select(c => $"'{first[c.Index].Trim()}'"))
            + (columns.Count() > 3 ? ", ..." : "");

    private static CliUsageException Ambiguous(string path, long line, string why)
        => new($"{path}: cannot tell whether line {line} is a header ({why}). Pass --header true or --header false.");
}
