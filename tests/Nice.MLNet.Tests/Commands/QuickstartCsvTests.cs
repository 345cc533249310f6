using System.IO;
using System.Linq;
using Xunit;

namespace Nice.MLNet.Tests.Commands;

/// <summary>
/// <c>quickstart --data file.csv</c> run as a process, as a user would (1 epoch, small nets): relative paths, text
/// columns, header detection, <c>--label</c>, rows with bad cells, too few columns.
/// </summary>
public sealed class QuickstartCsvTests : System.IDisposable
{
    private readonly CsvFiles files = new();

    public void Dispose() => files.Dispose();

    private CliResult Quickstart(params string[] args)
        => CliProcess.Run(new[] { "quickstart", "--width", "8" }.Concat(args.Contains("--epochs")
            ? args : args.Append("--epochs").Append("1")).ToArray(),
            workingDirectory: files.Folder);

    [Fact]
    public void RelativeDataPath_IsReadFromTheWorkingDirectory()
    {
        Directory.CreateDirectory(Path.Combine(files.Folder, "sub"));
        files.Write(Path.Combine("sub", "rows.csv"), CsvFiles.Plain(60));

        var run = Quickstart("--data", Path.Combine("sub", "rows.csv"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"reading {Path.Combine(files.Folder, "sub", "rows.csv")}", run.Output);
        Assert.Contains("test log-likelihood", run.Output);
    }

    [Fact]
    public void TextColumn_IsSkippedWithItsName_AndTheNumericColumnsTrain()
    {
        files.Write("people.csv", new[] { "name,x,y,z" }.Concat(CsvFiles.Numbers(60).Select((r, i) =>
            $"p{i},{r.X},{r.Y},{r.Z}")));

        var run = Quickstart("--data", "people.csv");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("skipped 'name': text, not numbers (line 2: 'p0')", run.Output);
        Assert.Contains("features: 3 numeric columns (x, y, z)", run.Output);
        Assert.Contains("test log-likelihood", run.Output);
    }

    [Fact]
    public void HeaderlessFile_WhoseFirstRowHasText_KeepsThatRow()
    {
        files.Write("headerless.csv", CsvFiles.Numbers(50).Select((r, i) => $"p{i},{r.X},{r.Y},{r.Z}"));

        var run = Quickstart("--data", "headerless.csv");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("line 1 is data", run.Output);
        Assert.Contains("skipped column 1: text, not numbers (line 1: 'p0')", run.Output);
        Assert.Contains("80/20 train/test split: 40 train rows, 10 test rows", run.Output);   // all 50 rows
    }

    [Fact]
    public void AmbiguousFirstLine_AsksForHeader_InOneLineWithExitCode2()
    {
        files.Write("amb.csv", new[] { "name,1.5,b" }.Concat(CsvFiles.Numbers(40).Select((r, i) =>
            $"p{i},{r.X},{r.Y}")));

        var run = Quickstart("--data", "amb.csv");

        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains("cannot tell whether line 1 is a header", line);
        Assert.Contains("Pass --header true or --header false", line);
    }

    [Fact]
    public void Label_IsKeptOutOfTheFeatures_AndTwoValuesGiveTheAnomalyAuc()
    {
        files.Write("labelled.csv", new[] { "x,y,z,class" }.Concat(CsvFiles.Numbers(200, anomalyEvery: 5).Select(r =>
            $"{r.X},{r.Y},{r.Z},{r.Class}")));

        var run = Quickstart("--data", "labelled.csv", "--label", "class", "--epochs", "3");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("features: 3 numeric columns (x, y, z)", run.Output);
        Assert.Contains("label 'class': '0' (160 rows) is normal, 80/20 train/test: 128 train, 32 test; the 40 '1' "
            + "rows are held out as anomalies", run.Output);
        var auc = run.Output.Split('\n').Single(l => l.StartsWith("anomaly detection"));
        double value = double.Parse(auc.Split("AUC ")[1].Split(' ')[0],
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(value, 0.8, 1.0);   // anomalies 4 standard deviations away
    }

    [Fact]
    public void Label_WithManyValues_IsOnlyKeptOutOfTheFeatures()
    {
        files.Write("many.csv", new[] { "x,y,z,id" }.Concat(CsvFiles.Numbers(60).Select((r, i) =>
            $"{r.X},{r.Y},{r.Z},{i}")));

        var run = Quickstart("--data", "many.csv", "--label", "id");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("features: 3 numeric columns (x, y, z)", run.Output);
        Assert.Contains("label 'id': kept out of the features; it has more than two values", run.Output);
        Assert.DoesNotContain("anomaly detection", run.Output);
    }

    [Fact]
    public void RowsWithBadCells_AreReportedWithTheirLineNumbers()
    {
        var lines = CsvFiles.Plain(60).ToList();
        lines[4] = "NA,1,2";
        lines[9] = "1,Infinity,2";
        files.Write("bad.csv", lines);

        var run = Quickstart("--data", "bad.csv");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("skipped 2 of 60 rows with a missing or non-finite value: line 5 (x: 'NA'), line 10 (y: "
            + "'Infinity')", run.Output);
        Assert.Contains("80/20 train/test split: 47 train rows, 11 test rows", run.Output);
    }

    [Fact]
    public void FileWithOneNumericColumn_FailsInOneLine_ExitCode1()
    {
        files.Write("one.csv", new[] { "name,x" }.Concat(Enumerable.Range(0, 30).Select(i => $"p{i}," + (i * 0.5)
            .ToString(System.Globalization.CultureInfo.InvariantCulture))));

        var run = Quickstart("--data", "one.csv");

        Assert.True(run.ExitCode == 1, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains("NICE needs at least 2 numeric feature columns; found 1 ('x')", line);
    }
}
