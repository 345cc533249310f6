using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Nice.MLNet.Cli.Datasets;

/// <summary>The committed Breast Cancer Wisconsin (Diagnostic) data (data/breast-cancer): 569 rows × 30 features, 212
/// malignant.</summary>
public static class BreastCancer
{
    public const int Dimension = 30;

    public static string DefaultPath => Repo.File("data/breast-cancer/wdbc.csv.gz");

    /// <summary>Rows and whether each is malignant (the file's class 0). Throws naming the file and line on a malformed
    /// row.</summary>
    public static (float[][] Rows, bool[] Malignant) Load(string? path = null)
    {
        path ??= DefaultPath;
        var rows = new List<float[]>();
        var malignant = new List<bool>();
        foreach (var (lineNo, parts) in GzCsv.Rows(path, Dimension + 1, "Breast cancer",
            skipLines: 1)) // line 1: "569,30,malignant,benign"
        {
            var row = new float[Dimension];
            for (int j = 0; j < Dimension; j++) row[j] = float.Parse(parts[j], CultureInfo.InvariantCulture);
            rows.Add(row);
            malignant.Add(parts[Dimension].Trim() switch
            {
                "0" => true,
                "1" => false,
                var c => throw new InvalidDataException($"{path}, line {lineNo}: class '{c}' is not 0 (malignant) or "
                    + $"1 (benign)."),
            });
        }
        return (rows.ToArray(), malignant.ToArray());
    }
}
