using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using CsvHelper;

namespace Nice.MLNet.Cli.Csv;

/// <summary>
/// The records of a CSV file (or a gzip'd one, by the ".gz" extension) with the line each starts on, read by CsvHelper:
/// RFC 4180 quoting, the separator detected among , ; tab and |, empty lines skipped. A record whose field count
/// differs from the first one's, or broken quoting, throws <see cref="InvalidDataException"/> naming the file and line.
/// </summary>
public static class CsvRecords
{
    public static IEnumerable<(long Line, string[] Fields)> Read(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", System.StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionMode.Decompress)
            : file;
        var options = CsvReaderOptions.Default with
        {
            HasHeader = false, TrackLineNumbers = true, TrimWhitespace = true,
            FieldCountMismatch = CsvFieldCountHandling.Throw, MalformedData = CsvMalformedDataHandling.Throw,
        };
        using var reader = CsvReader.Create(stream, options);
        while (true)
        {
            string[] fields;
            long line;
            try
            {
                if (!reader.Read()) yield break;
                fields = reader.Current.ToArray();
                line = reader.LineNumber;
            }
            catch (CsvFormatException e)
            {
                throw new InvalidDataException($"{path}: {e.Message}", e);
            }
            catch (InvalidDataException e) // not gzip data
            {
                throw new InvalidDataException($"{path}: {e.Message}", e);
            }
            yield return (line, fields);
        }
    }
}
