using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Cli.Csv;
using Nice.MLNet.Cli.Hosting;
using Nice.MLNet.Cli.Metrics;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// The quickstart on a CSV file: the numeric columns are the features (text, empty and constant columns are skipped
/// with a message naming them; rows with a missing or non-finite feature are skipped with their line numbers),
/// standardized on the training rows, 80/20 split. A <c>--label</c> column is never a feature; when it has two values,
/// the more frequent one is the normal class (split 80/20 as above) and every row of the other is held out as an
/// anomaly, as the digits quickstart holds out the 9s, and the anomaly AUC of −log p(x) is reported.
/// </summary>
internal static class QuickstartCsv
{
    public static void Run(MLContext ml, FileInfo file, string? labelName, bool? header, QuickstartSettings s)
    {
        var output = s.Output;
        output.WriteLine($"reading {file.FullName}");
        var schema = CsvSchema.Infer(file.FullName, header);
        output.WriteLine($"  {schema.HeaderReason}");
        var label = labelName is null ? null : schema.Find(labelName, "--label");
        var features = ChooseFeatures(schema, label, output);
        bool twoClasses = label is not null && label.FirstValues.Count == 2;
        if (label is not null && !twoClasses)
            output.WriteLine($"  label {label.Quoted}: kept out of the features; it has "
                + $"{(label.FirstValues.Count > 2 ? "more than two values" : "fewer than two values")}, "
                + "so no anomaly AUC (that needs exactly two)");

        var rows = CsvRows.Read(schema, features, twoClasses ? label : null);
        if (rows.Skipped.Count > 0)
            output.WriteLine($"  skipped {rows.Skipped.Count} of {schema.DataRows} rows with a missing or non-finite "
                + $"value: {rows.DescribeSkipped()}");
        if (rows.Features.Length < 10)
            throw new InvalidDataException($"{file.FullName}: {rows.Features.Length} usable rows; at least 10 are "
                + $"needed.");

        var rng = new Random(s.Seed);
        var order = Enumerable.Range(0, rows.Features.Length).OrderBy(_ => rng.Next()).ToArray();
        string? normalClass = twoClasses ? MostFrequent(rows.Labels) : null;
        var normal = order.Where(i => !twoClasses || rows.Labels[i] == normalClass).ToArray();
        var anomalies = order.Where(i => twoClasses && rows.Labels[i] != normalClass).ToArray();
        if (twoClasses && anomalies.Length == 0)
            throw new InvalidDataException($"{file.FullName}: every usable row has label '{normalClass}'; no rows of "
                + $"the other class are left.");
        int nTest = normal.Length / 5;
        if (nTest < 2 || normal.Length - nTest < 8)
            throw new InvalidDataException($"{file.FullName}: {normal.Length} "
                + $"rows{(twoClasses ? $" of class '{normalClass}'" : "")}; at least 10 are needed.");
        var test = normal[..nTest];
        var train = normal[nTest..];
        output.WriteLine(twoClasses
            ? $"label {label!.Quoted}: '{normalClass}' ({normal.Length} rows) is normal, 80/20 train/test: "
                + $"{train.Length} train, {test.Length} test; "
                + $"the {anomalies.Length} '{rows.Labels[anomalies[0]]}' rows are held out as anomalies"
            : $"80/20 train/test split: {train.Length} train rows, {test.Length} test rows");
        output.WriteLine($"standardized with the training rows' mean and variance; NICE on {features.Count} "
            + $"dimensions");

        int d = features.Count;
        IDataView View(int[] indices) => ml.Data.LoadFromEnumerable(indices.Select(i =>
            new Row { Features = rows.Features[i] }), Definition(d));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var model = ml.Transforms.NormalizeMeanVariance("Features").Append(ml.Transforms.Nice(s.Options()))
            .Fit(View(train));
        var nice = model.LastTransformer;
        output.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1}s; kept epoch {nice.TrainingSummary!.BestEpoch} "
            + $"(best validation NLL)");
        var metrics = Phase.Run(output, $"evaluating {test.Length} test rows", () =>
            nice.Evaluate(model.Transform(View(test))));
        output.WriteLine($"test log-likelihood: {metrics.LogLikelihood:F3} ± {metrics.StandardError:F3} nats per row "
            + $"(of the standardized data), {metrics.BitsPerDim:F4} bits/dim");
        if (!twoClasses) return;
        var (normalScores, anomalyScores) = Phase.Run(output, $"scoring {test.Length} test rows and "
            + $"{anomalies.Length} held-out rows",
            () => (Nll(ml, model.Transform(View(test))), Nll(ml, model.Transform(View(anomalies)))));
        double auc = AnomalyRanking.Evaluate(ml, normalScores, anomalyScores).AreaUnderRocCurve;
        output.WriteLine($"anomaly detection, score = -log p(x): AUC {auc:F3} (test '{normalClass}' rows normal vs. "
            + $"the held-out rows)");
    }

    /// <summary>The numeric columns that are not the label nor constant; says which columns are skipped and
    /// why.</summary>
    private static List<CsvColumn> ChooseFeatures(CsvSchema schema, CsvColumn? label, TextWriter output)
    {
        var candidates = schema.Columns.Where(c => c != label).ToList();
        foreach (var c in candidates.Where(c => c.Kind == CsvColumnKind.Text))
            output.WriteLine($"  skipped {c.Quoted}: text, not numbers ({c.TextReason()})");
        foreach (var c in candidates.Where(c => c.Kind == CsvColumnKind.Empty))
            output.WriteLine($"  skipped {c.Quoted}: empty");
        foreach (var c in candidates.Where(c => c.IsConstant))
            output.WriteLine($"  skipped {c.Quoted}: constant (every value is {c.Min}), no information for a density");
        var features = candidates.Where(c => c.Kind == CsvColumnKind.Numeric && !c.IsConstant).ToList();
        if (features.Count < 2)
            throw new InvalidDataException($"{schema.Path}: NICE needs at least 2 numeric feature columns; "
                + $"found {features.Count}{(features.Count > 0 ? $" ({features[0].Quoted})" : "")}.");
        string names = string.Join(", ", features.Take(8).Select(c => c.Name)) + (features.Count > 8 ? ", ..." : "");
        output.WriteLine($"  features: {features.Count} numeric columns ({names})");
        return features;
    }

    private static string MostFrequent(string?[] labels)
        => labels.Select((l, i) => (Label: l!, Index: i)).GroupBy(x => x.Label)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.First().Index).First().Key;

    private static float[] Nll(MLContext ml, IDataView scored)
        => ml.Data.CreateEnumerable<Scored>(scored, false).Select(r => -r.LogLikelihood).ToArray();

    private static SchemaDefinition Definition(int d)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        return definition;
    }

    private sealed class Row
    {
        public float[] Features = Array.Empty<float>();
    }

    private sealed class Scored
    {
        public float LogLikelihood { get; set; }
    }
}
