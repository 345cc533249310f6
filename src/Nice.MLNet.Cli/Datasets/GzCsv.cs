using System.Collections.Generic;
using System.IO;
using System.IO.Compression;

namespace Nice.MLNet.Cli.Datasets;

/// <summary>Reads the committed gzip'd CSV data files: comma-separated fields per non-empty line, the count
/// checked.</summary>
public static class GzCsv
{
    /// <summary>
    /// The fields of every non-empty line after the first <paramref name="skipLines"/>, with its 1-based line number.
    /// Throws <see cref="FileNotFoundException"/> naming <paramref name="what"/> and the path, or <see
    /// cref="InvalidDataException"/> naming the file and line when a line does not have <paramref name="fields"/>
    /// fields.
    /// </summary>
    public static IEnumerable<(int Line, string[] Fields)> Rows(string path, int fields, string what, int skipLines = 0)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} file not found: {path}", path);
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        int lineNo = 0;
        for (string? line; (line = reader.ReadLine()) != null;)
        {
            lineNo++;
            if (lineNo <= skipLines || line.Length == 0) continue;
            var parts = line.Split(',');
            if (parts.Length != fields)
                throw new InvalidDataException($"{path}, line {lineNo}: expected {fields} comma-separated values, "
                    + $"found {parts.Length}.");
            yield return (lineNo, parts);
        }
    }
}
