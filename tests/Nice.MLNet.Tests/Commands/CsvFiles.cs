using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Nice.MLNet.Tests.Commands;

/// <summary>Small CSV files for the CLI tests, written into a temporary folder that is deleted with this
/// object.</summary>
public sealed class CsvFiles : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("nice-csv-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>Writes <paramref name="lines"/> to a file in <see cref="Folder"/> and returns its full path.</summary>
    public string Write(string name, IEnumerable<string> lines)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>
    /// <paramref name="rows"/> rows of three correlated numbers (x, y, z), seeded: class 1 rows (every
    /// <paramref name="anomalyEvery"/>-th, 0 = none) are shifted by 4 standard deviations.
    /// </summary>
    public static IEnumerable<(string X, string Y, string Z, int Class)> Numbers(int rows, int seed = 1,
        int anomalyEvery = 0)
    {
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        for (int i = 0; i < rows; i++)
        {
            int c = anomalyEvery > 0 && i % anomalyEvery == 0 ? 1 : 0;
            double a = Gauss() + 4 * c, b = 0.8 * a + 0.6 * Gauss(), d = Gauss() - 4 * c;
            yield return (F(a), F(b), F(d), c);
        }
    }

    private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>The lines of a file with a header "x,y,z" and <paramref name="rows"/> rows.</summary>
    public static IEnumerable<string> Plain(int rows, int seed = 1)
        => new[] { "x,y,z" }.Concat(Numbers(rows, seed).Select(r => $"{r.X},{r.Y},{r.Z}"));
}
