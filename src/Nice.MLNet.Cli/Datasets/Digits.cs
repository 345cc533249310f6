using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Nice.MLNet.Cli.Datasets;

/// <summary>The embedded UCI 8x8 digits (data/digits): 1,797 rows of 64 pixels with 17 levels (0..16) and a
/// label.</summary>
public static class Digits
{
    public const int Dimension = 64;
    public const int Levels = 17;

    /// <summary>The committed file, found by walking up from the working directory and from the program's
    /// folder.</summary>
    public static string DefaultPath => Repo.File("data/digits/digits.csv.gz");

    /// <summary>Reads the pixels (row-major, N×64) and labels. Throws naming the file and line on a malformed
    /// row.</summary>
    public static (float[] Pixels, int[] Labels) Load(string? path = null)
    {
        path ??= DefaultPath;
        var pixels = new List<float>();
        var labels = new List<int>();
        foreach (var (_, parts) in GzCsv.Rows(path, Dimension + 1, "Digits"))
        {
            for (int j = 0; j < Dimension; j++) pixels.Add(float.Parse(parts[j], CultureInfo.InvariantCulture));
            labels.Add(int.Parse(parts[Dimension], CultureInfo.InvariantCulture));
        }
        return (pixels.ToArray(), labels.ToArray());
    }
}
