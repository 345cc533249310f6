using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Anomaly;

namespace Nice.MLNet.Tabular;

/// <summary>Test scores (higher = more anomalous), the calibrated threshold, how many rows calibrated it, and notes.</summary>
public sealed record NiceOutcome(float[] TestScores, double Threshold, int CalibrationRows, string Notes);

/// <summary>Trains a <see cref="NiceRecipe"/> on a split through the library's public API and scores the test rows.</summary>
public static class NiceRunner
{
    public static NiceOutcome Run(TabularTask task, TabularSplit split, NiceRecipe recipe)
    {
        var ml = new MLContext(split.Seed);
        var train = Scale(split.Train, recipe.Scale);
        var test = Scale(split.Test, recipe.Scale);
        if (recipe.Mode == "detector") return Detector(ml, train, test, recipe, split.Seed);

        var raw = split.TrainIndex.Select(i => task.Rows[i]).ToArray();
        var kinds = ColumnKind.Detect(raw);
        var keep = Enumerable.Range(0, kinds.Length).Where(j => !(recipe.DropConstant && kinds[j].Constant)).ToArray();
        if (keep.Length < 2) keep = Enumerable.Range(0, kinds.Length).ToArray();
        // A discrete column's step in the standardized (and scaled) units the flow sees.
        var step = keep.Select(j => kinds[j].Discrete ? (float)(kinds[j].Step / split.Sd[j] * recipe.Scale) : 0f).ToArray();
        train = train.Select(r => keep.Select(j => r[j]).ToArray()).ToArray();
        test = test.Select(r => keep.Select(j => r[j]).ToArray()).ToArray();

        int n = train.Length, folds = Math.Max(1, recipe.Folds);
        var fold = Folds(n, folds, recipe.Holdout, split.Seed);
        var testLl = new List<float[]>();
        var trainLl = new List<float[]>();
        var oof = new float[n];
        Array.Fill(oof, float.NaN);
        var epochs = new List<int>();
        for (int f = 0; f < folds; f++)
            for (int s = 0; s < recipe.Seeds; s++)
            {
                int seed = split.Seed * 1000 + f * 10 + s;
                var fit = Enumerable.Range(0, n).Where(i => fold[i] != f).Select(i => train[i]).ToArray();
                var valid = Enumerable.Range(0, n).Where(i => fold[i] == f).Select(i => train[i]).ToArray();
                var options = recipe.Options(fit.Length, train[0].Length, seed);
                double jitter = recipe.AutoSmoothing ? (train[0].Length <= n && n <= 1000 ? 0.5 : 0) : recipe.Jitter;
                using var model = Fit(ml, fit, valid, options, step, recipe, jitter, seed);
                epochs.Add(model.TrainingSummary?.BestEpoch ?? 0);
                testLl.Add(model.LogLikelihood(test));
                trainLl.Add(model.LogLikelihood(train));
                if (valid.Length > 0 && s == 0)
                {
                    var ll = model.LogLikelihood(valid);
                    int k = 0;
                    for (int i = 0; i < n; i++) if (fold[i] == f) oof[i] = -ll[k++];
                }
            }
        var testScores = NegLogMeanExp(testLl);
        var calibration = recipe.Calibration == "train" || oof.All(float.IsNaN) ? NegLogMeanExp(trainLl) : oof.Where(v => !float.IsNaN(v)).ToArray();
        double threshold = TabularMetrics.Threshold(calibration, TabularMetrics.RequestedFalsePositiveRate);
        string notes = $"D={train[0].Length} discrete={step.Count(v => v > 0)} const={kinds.Count(k => k.Constant)} best-epochs={string.Join("/", epochs)}";
        return new NiceOutcome(testScores, threshold, calibration.Length, notes);
    }

    /// <summary>The front door: the anomaly trainer with the recipe's options, its threshold as the library calibrates it
    /// (out of fold for an ensemble, the held-out rows of a single flow).</summary>
    private static NiceOutcome Detector(MLContext ml, float[][] train, float[][] test, NiceRecipe recipe, int seed)
    {
        var options = new NiceAnomalyOptions { Nice = recipe.Options(train.Length, train[0].Length, seed), FalsePositiveRate = 0.01 };
        using var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(View(ml, train));
        var scores = detector.Score(test);
        var resolved = detector.Model.TrainingSummary?.Resolved;
        string kinds = resolved is null ? "" : $" discrete={resolved.ColumnKinds.Count(k => k.Type == NiceColumnType.Discrete)}"
            + $" const={resolved.ColumnKinds.Count(k => k.Type == NiceColumnType.Constant)} members={resolved.EnsembleMembers}"
            + $" width={resolved.HiddenWidth} batch={resolved.BatchSize} smoothing={resolved.Smoothing}"
            + (resolved.EarlyStopping ? "" : " early-stopping=off") + (resolved.KernelMixture ? " kernel-mixture" : "");
        return new NiceOutcome(scores, detector.Threshold, detector.CalibrationRows,
            $"D={train[0].Length}{kinds} calibration={detector.CalibrationSource}{HeldOutNll(detector.Model.TrainingSummary)}"
            + $" best-epochs={string.Join("/", detector.Model.TrainingSummary?.BestEpochs ?? Array.Empty<int>())}");
    }

    /// <summary>
    /// The mean over the members of the held-out NLL (nats per row) at each member's kept epoch (its last report marked
    /// best, as <see cref="NiceTrainingSummary.BestEpochs"/> reads it): for the cross-fitted ensemble, the out-of-fold
    /// NLL of the training rows (with the training noise the validation rows get).
    /// </summary>
    private static string HeldOutNll(NiceTrainingSummary? summary)
    {
        if (summary is null) return "";
        var nll = summary.History.GroupBy(r => r.Member).Select(g => g.LastOrDefault(r => r.IsBest)?.ValidNll)
            .ToArray();
        return nll.All(v => v is not null)
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" heldout-nll={nll.Average()!.Value:F4}")
            : "";
    }

    /// <summary>
    /// Fits one flow on <paramref name="fit"/> and early-stops it on <paramref name="valid"/> (none: the library's own split of
    /// <paramref name="fit"/>). With dequantization, every row enters <c>dq</c> times with fresh noise on its discrete columns.
    /// The library picks validation rows by a seeded hash of the row position (internal <c>Split.IsValidation</c>, copied in
    /// <see cref="ValidationPositions"/>), so rows are laid out to land where we want them: a prototype-only device.
    /// </summary>
    private static NiceTransformer Fit(MLContext ml, float[][] fit, float[][] valid, NiceOptions options, float[] step, NiceRecipe recipe, double jitter, int seed)
    {
        int copies = jitter > 0 ? Math.Max(4, recipe.Copies) : Math.Max(1, recipe.Copies);
        var random = new Random(seed);
        double sigma = jitter * Math.Pow(fit.Length, -1.0 / (step.Length + 4));
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var chol = recipe.CovarianceShape && sigma > 0 ? Cholesky(fit) : null;
        float[] Noisy(float[] r)
        {
            if (copies == 1) return r;
            var z = Enumerable.Range(0, r.Length).Select(_ => Gauss()).ToArray();
            var e = chol is null ? z : Enumerable.Range(0, r.Length).Select(i => Enumerable.Range(0, i + 1).Sum(k => chol[i, k] * z[k])).ToArray();
            return r.Select((v, j) =>
                v + (recipe.Copies > 0 && step[j] > 0 ? (float)(random.NextDouble() - 0.5) * step[j] : 0f) + (float)(sigma * e[j])).ToArray();
        }
        var fitRows = Enumerable.Range(0, copies).SelectMany(_ => fit.Select(Noisy)).ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(fitRows));
        options.Epochs = Math.Max(1, (int)Math.Ceiling((options.Epochs ?? 300) / (double)copies));
        options.EarlyStoppingPatience = Math.Max(3, (int)Math.Ceiling((options.EarlyStoppingPatience ?? 30) / (double)copies));
        IDataView data;
        if (valid.Length == 0)
        {
            options.ValidationFraction = recipe.ValidationFraction;
            data = View(ml, fitRows.ToArray());
        }
        else
        {
            var validRows = Enumerable.Range(0, copies).SelectMany(_ => valid.Select(Noisy)).ToList();
            double fraction = validRows.Count / (double)(validRows.Count + fitRows.Count);
            options.ValidationFraction = fraction;
            data = View(ml, ValidationPositions(fitRows, validRows, options.Seed, fraction));
        }
        return ml.Transforms.Nice(options).Fit(data);
    }

    /// <summary>Orders rows so that the library's split puts exactly <paramref name="valid"/> in validation (a few surplus rows of one list are dropped).</summary>
    private static float[][] ValidationPositions(List<float[]> fit, List<float[]> valid, int seed, double fraction)
    {
        var rows = new List<float[]>();
        int a = 0, b = 0;
        for (long position = 0; a < fit.Count && b < valid.Count; position++)
            rows.Add(IsValidation(position, seed, fraction) ? valid[b++] : fit[a++]);
        return rows.ToArray();
    }

    /// <summary>Copy of the library's internal Split.IsValidation (Flow/RowSource.cs).</summary>
    private static bool IsValidation(long row, int seed, double fraction)
    {
        if (row <= 0 || fraction <= 0) return false;
        ulong z = unchecked((ulong)row * 0x9E3779B97F4A7C15UL + (ulong)(uint)seed * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53)) < fraction;
    }

    /// <summary>Fold of each training row: F ≥ 2 folds of a seeded permutation; one fold: the holdout fraction is fold 0, the rest −1.</summary>
    private static int[] Folds(int n, int folds, double holdout, int seed)
    {
        var order = Enumerable.Range(0, n).ToArray();
        new Random(seed + 7919).Shuffle(order);
        var fold = new int[n];
        if (folds >= 2)
            for (int k = 0; k < n; k++) fold[order[k]] = k % folds;
        else
        {
            int h = (int)Math.Round(holdout * n);
            for (int k = 0; k < n; k++) fold[order[k]] = k < h ? 0 : -1;
            if (h == 0) Array.Fill(fold, -1);
        }
        return fold;
    }

    /// <summary>Lower Cholesky factor of the rows' covariance + 1e-3·I (positive definite even when rows &lt; D).</summary>
    private static double[,] Cholesky(float[][] rows)
    {
        int n = rows.Length, d = rows[0].Length;
        var mean = Enumerable.Range(0, d).Select(j => rows.Average(r => (double)r[j])).ToArray();
        var a = new double[d, d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= i; j++)
            {
                double c = 0;
                foreach (var r in rows) c += (r[i] - mean[i]) * (r[j] - mean[j]);
                a[i, j] = a[j, i] = c / n + (i == j ? 1e-3 : 0);
            }
        var l = new double[d, d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i, j];
                for (int k = 0; k < j; k++) sum -= l[i, k] * l[j, k];
                l[i, j] = i == j ? Math.Sqrt(Math.Max(sum, 1e-12)) : sum / l[j, j];
            }
        return l;
    }

    /// <summary>−log((1/M) Σₘ exp(llₘ)) per row: the negative log of the ensemble's mean density.</summary>
    private static float[] NegLogMeanExp(List<float[]> lls)
    {
        int rows = lls[0].Length;
        var result = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            double max = lls.Max(l => (double)l[i]);
            if (double.IsNaN(max) || double.IsInfinity(max)) { result[i] = (float)-max; continue; }
            double sum = lls.Sum(l => Math.Exp(l[i] - max));
            result[i] = (float)-(max + Math.Log(sum / lls.Count));
        }
        return result;
    }

    private static float[][] Scale(float[][] rows, double scale)
        => scale == 1 ? rows : rows.Select(r => r.Select(v => (float)(v * scale)).ToArray()).ToArray();

    public static IDataView View(MLContext ml, float[][] rows)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Length);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new Row { Features = r }), definition);
    }

    private sealed class Row
    {
        public float[] Features = Array.Empty<float>();
    }
}
