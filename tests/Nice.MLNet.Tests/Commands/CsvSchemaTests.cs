using System.IO;
using System.IO.Compression;
using System.Linq;
using Nice.MLNet.Cli.Csv;
using Nice.MLNet.Cli.Hosting;
using Xunit;

namespace Nice.MLNet.Tests.Commands;

/// <summary>How the CLI reads a CSV file: columns typed by their cells, the header decided from the data, rows kept or
/// reported.</summary>
public sealed class CsvSchemaTests : System.IDisposable
{
    private readonly CsvFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void Column_IsNumeric_WhenEveryNonMissingCellParsesInvariantly()
    {
        string path = files.Write("a.csv", new[] { "a,b,c,d", "1.5,x,2,", "-3e2,4,NA,", "7,8,9," });

        var schema = CsvSchema.Infer(path, header: null);

        Assert.Equal(new[] { CsvColumnKind.Numeric, CsvColumnKind.Text, CsvColumnKind.Numeric, CsvColumnKind.Empty },
            schema.Columns.Select(c => c.Kind));
        Assert.Equal((2L, "x"), schema.Columns[1].FirstText);
        Assert.Equal(1, schema.Columns[2].Missing);
    }

    [Fact]
    public void NumberWithADecimalComma_IsText()
    {
        string path = files.Write("comma.csv", new[] { "a;b", "1,5;2", "2,5;3" });

        var schema = CsvSchema.Infer(path, header: null);

        Assert.Equal(CsvColumnKind.Text, schema.Columns[0].Kind);
        Assert.Equal(CsvColumnKind.Numeric, schema.Columns[1].Kind);
    }

    [Fact]
    public void FirstLine_WithNamesOverColumnsOfNumbers_IsTheHeader()
    {
        string path = files.Write("h.csv", new[] { "id,name,score", "1,ann,0.5", "2,bob,0.7" });

        var schema = CsvSchema.Infer(path, header: null);

        Assert.True(schema.HasHeader, schema.HeaderReason);
        Assert.Equal(new[] { "id", "name", "score" }, schema.Columns.Select(c => c.Name));
        Assert.Equal(2, schema.DataRows);
    }

    [Fact]
    public void FirstLine_WithTextOnlyInTextColumns_IsData()
    {
        string path = files.Write("d.csv", new[] { "ann,0.5,1", "bob,0.7,2", "cy,0.1,3" });

        var schema = CsvSchema.Infer(path, header: null);

        Assert.False(schema.HasHeader, schema.HeaderReason);
        Assert.Equal(3, schema.DataRows);
        Assert.Equal(new[] { "column 1", "column 2", "column 3" }, schema.Columns.Select(c => c.Name));
        Assert.Equal((1L, "ann"), schema.Columns[0].FirstText);
    }

    [Fact]
    public void FirstLine_WithTextAndNumbersOverColumnsOfNumbers_AsksForHeader()
    {
        string path = files.Write("amb.csv", new[] { "name,1.5,b", "n1,0.2,0.3", "n2,0.4,0.5" });

        var e = Assert.Throws<CliUsageException>(() => CsvSchema.Infer(path, header: null));

        Assert.Contains(path, e.Message);
        Assert.Contains("line 1", e.Message);
        Assert.Contains("Pass --header true or --header false", e.Message);
    }

    [Fact]
    public void HeaderOption_DecidesWhatDetectionCannot()
    {
        string path = files.Write("amb.csv", new[] { "name,1.5,b", "n1,0.2,0.3", "n2,0.4,0.5" });

        var asHeader = CsvSchema.Infer(path, header: true);
        var asData = CsvSchema.Infer(path, header: false);

        Assert.Equal(new[] { "name", "1.5", "b" }, asHeader.Columns.Select(c => c.Name));
        Assert.Equal(2, asHeader.DataRows);
        Assert.Equal(3, asData.DataRows);
        Assert.Equal(CsvColumnKind.Text, asData.Columns[2].Kind);   // "b" is now a cell of column 3
    }

    [Fact]
    public void RowsWithAMissingOrNonFiniteFeature_AreSkippedWithTheirLines()
    {
        string path = files.Write("m.csv", new[] { "x,y", "1,2", "NA,3", "4,", "5,Infinity", "6,7", "8,1e39" });
        var schema = CsvSchema.Infer(path, header: null);

        var rows = CsvRows.Read(schema, schema.Columns, label: null);

        Assert.Equal(new long[] { 2, 6 }, rows.Lines);
        Assert.Equal(new[] { 3L, 4, 5, 7 }, rows.Skipped.Select(s => s.Line));
        Assert.Equal("line 3 (x: 'NA')", rows.Skipped[0].ToString());
        Assert.Equal("line 5 (y: 'Infinity')", rows.Skipped[2].ToString());
    }

    [Fact]
    public void RowWithAnotherFieldCount_ThrowsNamingFileAndLine()
    {
        string path = files.Write("r.csv", new[] { "x,y", "1,2", "3,4,5" });

        var e = Assert.Throws<InvalidDataException>(() => CsvSchema.Infer(path, header: null));

        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void Column_IsFoundByName_OrByNumber_AndAnUnknownOneListsTheColumns()
    {
        string path = files.Write("f.csv", new[] { "x,y,kind", "1,2,a", "3,4,b" });
        var schema = CsvSchema.Infer(path, header: null);

        Assert.Equal(2, schema.Find("kind", "--label").Index);
        Assert.Equal(1, schema.Find("2", "--label").Index);
        var e = Assert.Throws<CliUsageException>(() => schema.Find("class", "--label"));
        Assert.Contains("--label", e.Message);
        Assert.Contains("'x', 'y', 'kind'", e.Message);
    }

    [Fact]
    public void GzippedFile_IsReadLikeAPlainOne()
    {
        string path = Path.Combine(files.Folder, "g.csv.gz");
        using (var gz = new StreamWriter(new GZipStream(File.Create(path), CompressionLevel.Fastest)))
            foreach (var line in CsvFiles.Plain(20)) gz.WriteLine(line);

        var schema = CsvSchema.Infer(path, header: null);

        Assert.True(schema.HasHeader);
        Assert.Equal(20, schema.DataRows);
        Assert.All(schema.Columns, c => Assert.Equal(CsvColumnKind.Numeric, c.Kind));
    }
}
