using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;

namespace Nice.MLNet.Tabular;

/// <summary>One task of the suite (benchmarks/tabular/tasks.csv): rows in the file's order and which are anomalies.</summary>
public sealed record TabularTask(string Name, string[] Columns, double[][] Rows, bool[] Anomaly)
{
    public int Dimension => Rows[0].Length;

    /// <summary>Every task listed in <paramref name="repo"/>/benchmarks/tabular/tasks.csv (name,file,format).</summary>
    public static IReadOnlyList<TabularTask> LoadAll(string repo)
    {
        string manifest = Path.Combine(repo, "benchmarks", "tabular", "tasks.csv");
        if (!File.Exists(manifest)) throw new FileNotFoundException($"Tabular task list not found: {manifest}", manifest);
        return File.ReadAllLines(manifest).Skip(1).Where(l => l.Trim().Length > 0).Select(l => l.Split(','))
            .Select(p => Load(p[0].Trim(), Path.Combine(repo, p[1].Trim()), p[2].Trim())).ToList();
    }

    /// <summary>
    /// 'tabular': a header (feature names, then 'anomaly') and rows of numbers ending in 0 (normal) or 1 (anomaly).
    /// 'wdbc': data/breast-cancer's file, whose class 0 (malignant) is the anomaly.
    /// </summary>
    public static TabularTask Load(string name, string path, string format)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Tabular task '{name}': file not found: {path}", path);
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var header = (reader.ReadLine() ?? throw new InvalidDataException($"{path}: empty file.")).Split(',');
        int d = format == "wdbc" ? int.Parse(header[1], CultureInfo.InvariantCulture) : header.Length - 1;
        var rows = new List<double[]>();
        var anomaly = new List<bool>();
        int lineNo = 1;
        for (string? line; (line = reader.ReadLine()) != null;)
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            var f = line.Split(',');
            if (f.Length != d + 1) throw new InvalidDataException($"{path}, line {lineNo}: expected {d + 1} values, found {f.Length}.");
            rows.Add(f.Take(d).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray());
            string label = f[d].Trim();
            anomaly.Add(format == "wdbc" ? label == "0" : label == "1");
        }
        var columns = format == "wdbc" ? Enumerable.Range(0, d).Select(j => $"x{j}").ToArray() : header.Take(d).ToArray();
        return new TabularTask(name, columns, rows.ToArray(), anomaly.ToArray());
    }
}
