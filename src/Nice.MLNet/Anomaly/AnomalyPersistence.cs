using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Persistence;
using Nice.MLNet.Scoring;

namespace Nice.MLNet.Anomaly;

/// <summary>
/// Saves a <see cref="NiceAnomalyDetector"/> as built-in, savable ML.NET transformers — the NICE flow's ONNX chain (see
/// <see cref="OnnxChain"/>), then <c>Expression</c> transforms for Score (an affine function of log p(x)) and
/// PredictedLabel (Score &gt; threshold), then DropColumns for the flow's own outputs — and reads it back as a full
/// detector. The input-complexity score needs a compressor, which no built-in ML.NET transform has: it is a stateless
/// CustomMapping (<see cref="InputComplexityScoreFactory"/>) that reads the coder's settings from a constant text
/// column written by an <c>Expression</c> transform, so everything it needs is in the saved model.
/// </summary>
internal static class AnomalyPersistence
{
    private const string Kind = "mlnet.anomaly.score", Threshold = "mlnet.anomaly.threshold",
        Rate = "mlnet.anomaly.calibrationRate", Rows = "mlnet.anomaly.calibrationRows",
        Source = "mlnet.anomaly.calibrationSource",
        Features = "mlnet.anomaly.features", Complexity = "mlnet.anomaly.complexity",
            ScoreColumn = "mlnet.anomaly.scoreColumn", Label = "mlnet.anomaly.predictedLabelColumn";

    /// <summary>Writes <paramref name="detector"/> into <paramref name="ctx"/> as the chain described above.</summary>
    public static void Save(NiceAnomalyDetector detector, ModelSaveContext ctx)
    {
        if (!float.IsFinite(detector.Threshold))
            throw new NotSupportedException($"The detector's threshold is {detector.Threshold}; only a finite " +
                $"threshold can be saved.");
        var model = detector.Model;
        var metadata = new Dictionary<string, string>
        {
            [Kind] = detector.ScoreKind.ToString(), [Threshold] = detector.Threshold.ToString("R",
                CultureInfo.InvariantCulture),
            [Features] = detector.FeatureColumnName, [ScoreColumn] = detector.ScoreColumnName,
                [Label] = detector.PredictedLabelColumnName,
        };
        if (detector.Complexity is { } complexity) metadata[Complexity] = complexity.ToText();
        if (detector.CalibrationFalsePositiveRate is double r) metadata[Rate] = r.ToString("R",
            CultureInfo.InvariantCulture);
        if (detector.CalibrationSource is { } source)
        {
            metadata[Rows] = detector.CalibrationRows.ToString(CultureInfo.InvariantCulture);
            metadata[Source] = source.ToString();
        }
        foreach (var (k, v) in NiceModelMetadata.Write(model)) metadata[k] = v;
        using var weights = model.Lazy.Weights();
        using var nice = OnnxChain.Build(weights, model.Dequantization, model.InputColumnName,
            model.LatentColumnName, model.LogLikelihoodColumnName, metadata);
        var ml = new MLContext();
        var tail = ScoreTail(ml, detector)
            .Append(ml.Transforms.Expression(detector.PredictedLabelColumnName,
                $"s => s > {Literal(detector.Threshold)}", detector.ScoreColumnName))
            .Append(ml.Transforms.DropColumns(model.LatentColumnName, model.LogLikelihoodColumnName));
        // The tail is fitted on an empty view with the columns the flow's chain leaves: the input's features, latent
        // and log p(x).
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnName = model.InputColumnName;
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single,
            model.Dimension);
        definition[nameof(Row.LogLikelihood)].ColumnName = model.LogLikelihoodColumnName;
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<Row>(), definition);
        var withLatent = ml.Transforms.CopyColumns(model.LatentColumnName,
            model.InputColumnName).Fit(empty).Transform(empty);
        var fittedTail = tail.Fit(withLatent);
        ((ICanSaveModel)new TransformerChain<ITransformer>(nice.Chain.Concat(fittedTail).ToArray())).Save(ctx);
    }

    /// <summary>
    /// Score from log p(x): for Nll and BitsPerDim an affine Expression (Nll = −ll; BitsPerDim = (−ll + D·ln L)/(D·ln
    /// 2), ln L = 0 without dequantization); for InputComplexity the row's features and ll go to
    /// <see cref="InputComplexityScoreFactory"/> under fixed names, with the coder's settings as a constant text
    /// column, and the temporaries are dropped.
    /// </summary>
    private static IEstimator<ITransformer> ScoreTail(MLContext ml, NiceAnomalyDetector detector)
    {
        var model = detector.Model;
        if (detector.Complexity is { } complexity && detector.ScoreKind == NiceAnomalyScore.InputComplexity)
        {
            const string F = InputComplexityScoreFactory.FeaturesColumn,
                L = InputComplexityScoreFactory.LogLikelihoodColumn,
                C = InputComplexityScoreFactory.CoderColumn, S = InputComplexityScoreFactory.ScoreColumn;
            return ml.Transforms.CopyColumns(F, model.InputColumnName)
                .Append(ml.Transforms.CopyColumns(L, model.LogLikelihoodColumnName))
                .Append(ml.Transforms.Expression(C, $"ll => \"{complexity.ToText()}\"", L))
                .Append(ml.Transforms.CustomMapping<InputComplexityScoreFactory.Input,
                    InputComplexityScoreFactory.Output>(
                    InputComplexityScoreFactory.Map, InputComplexityScoreFactory.ContractName))
                .Append(ml.Transforms.CopyColumns(detector.ScoreColumnName, S))
                .Append(ml.Transforms.DropColumns(F, L, C, S));
        }
        double d = model.Dimension, lnL = model.DequantizationLevels > 0 ? Math.Log(model.DequantizationLevels) : 0;
        string score = detector.ScoreKind == NiceAnomalyScore.Nll
            ? "-ll"
            : $"(-ll + {Literal(d * lnL)}) * {Literal(1 / (d * Math.Log(2)))}";
        // A row with NaN or ±∞ values has log-likelihood NaN (the graph makes it so): it is outside the model's
        // support, so Score +∞ (1.0/0.0 in ML.NET's expression language) and PredictedLabel true, as in memory.
        return ml.Transforms.Expression(detector.ScoreColumnName, $"ll => isna(ll) ? 1.0/0.0 : {score}",
            model.LogLikelihoodColumnName);
    }

    private sealed class Row
    {
        public float[] Features = Array.Empty<float>();
        public float LogLikelihood = 0;
    }

    private static string Literal(double v)
    {
        if (!double.IsFinite(v)) throw new NotSupportedException($"Cannot write {v} into an ML.NET expression.");
        return v.ToString("0.0###############", CultureInfo.InvariantCulture);
    }

    public static NiceAnomalyDetector Load(string path, int index, ScoringChoice scoring)
    {
        var (model, m) = NiceTransformer.LoadWithMetadata(path, index, scoring);
        return Detector(model, m, path);
    }

    /// <summary>True when a saved NICE step's metadata describe an anomaly detector.</summary>
    public static bool IsDetector(IReadOnlyDictionary<string, string> metadata) => metadata.ContainsKey(Kind);

    /// <summary>
    /// The detector a saved NICE step describes, around <paramref name="model"/> (it takes ownership; disposes it on
    /// failure). Throws <see cref="InvalidDataException"/> naming <paramref name="path"/> when the settings are missing
    /// or unreadable.
    /// </summary>
    public static NiceAnomalyDetector Detector(NiceTransformer model, IReadOnlyDictionary<string, string> m,
        string path)
    {
        try
        {
            string Get(string key) => m.TryGetValue(key, out var v) ? v
                : throw new InvalidDataException($"{path}: its NICE model was saved as a transform, not as an " +
                    $"anomaly detector (no '{key}' entry). Use NiceTransformer.Load.");
            var kind = Enum.Parse<NiceAnomalyScore>(Get(Kind));
            float threshold = float.Parse(Get(Threshold), CultureInfo.InvariantCulture);
            double? rate = m.TryGetValue(Rate, out var rs) ? double.Parse(rs, CultureInfo.InvariantCulture) : null;
            var calibration = new DetectorCalibration(rate,
                m.TryGetValue(Rows, out var rows) ? int.Parse(rows, CultureInfo.InvariantCulture) : 0,
                m.TryGetValue(Source, out var src) ? Enum.Parse<NiceCalibrationSource>(src) : null);
            var columns = new AnomalyColumns(Get(Features), Get(ScoreColumn), Get(Label));
            var complexity = m.TryGetValue(Complexity, out var text) ? InputComplexity.Parse(text)
                : kind == NiceAnomalyScore.InputComplexity ?
                    throw new InvalidDataException($"{path}: its detector uses the InputComplexity score but has no " +
                        $"'{Complexity}' entry.")
                : null;
            return new NiceAnomalyDetector(new SharedModel(model), columns, AnomalyScorer.For(model, kind, complexity),
                complexity?.Compressor ?? NiceComplexityCompressor.Deflate, complexity?.ImageWidth ?? 0, threshold,
                    calibration);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            model.Dispose();
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            model.Dispose();
            throw new InvalidDataException($"{path}: the anomaly detector's settings are unreadable ({e.Message}).", e);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
