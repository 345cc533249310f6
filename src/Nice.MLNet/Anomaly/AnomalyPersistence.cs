using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Persistence;

namespace Nice.MLNet.Anomaly;

/// <summary>
/// Saves a <see cref="NiceAnomalyDetector"/> as built-in, savable ML.NET transformers — the NICE flow's ONNX chain (see
/// <see cref="OnnxChain"/>), then <c>Expression</c> transforms for Score (an affine function of log p(x)) and
/// PredictedLabel (Score &gt; threshold), then DropColumns for the flow's own outputs — and reads it back as a full detector.
/// The input-complexity score needs a compressor, which no built-in ML.NET transform has, so that kind cannot be saved.
/// </summary>
internal static class AnomalyPersistence
{
    private const string Kind = "mlnet.anomaly.score", Threshold = "mlnet.anomaly.threshold", Rate = "mlnet.anomaly.calibrationRate",
        Features = "mlnet.anomaly.features", ScoreColumn = "mlnet.anomaly.scoreColumn", Label = "mlnet.anomaly.predictedLabelColumn";

    public static ITransformer Build(NiceAnomalyDetector detector)
    {
        if (detector.ScoreKind == NiceAnomalyScore.InputComplexity)
            throw new NotSupportedException("A NiceAnomalyDetector with the InputComplexity score cannot be saved into an ML.NET model zip: " +
                "its score needs a compressor that no built-in ML.NET transform has. Save one with NiceAnomalyScore.Nll or BitsPerDim " +
                "(detector.ChangeScore(...)), or keep the NiceTransformer (detector.Model) and recalibrate after loading.");
        if (!float.IsFinite(detector.Threshold))
            throw new NotSupportedException($"The detector's threshold is {detector.Threshold}; only a finite threshold can be saved.");
        var model = detector.Model;
        var metadata = new Dictionary<string, string>
        {
            [Kind] = detector.ScoreKind.ToString(), [Threshold] = detector.Threshold.ToString("R", CultureInfo.InvariantCulture),
            [Features] = detector.FeatureColumnName, [ScoreColumn] = detector.ScoreColumnName, [Label] = detector.PredictedLabelColumnName,
        };
        if (detector.CalibrationFalsePositiveRate is double r) metadata[Rate] = r.ToString("R", CultureInfo.InvariantCulture);
        var nice = OnnxChain.Build(model, metadata);
        var ml = new MLContext();
        // Score = a·log p(x) + b: Nll is −ll; BitsPerDim is (−ll + D·ln L)/(D·ln 2) (ln L = 0 without dequantization).
        double d = model.Dimension, lnL = model.DequantizationLevels > 0 ? Math.Log(model.DequantizationLevels) : 0;
        string score = detector.ScoreKind == NiceAnomalyScore.Nll
            ? "ll => -ll"
            : $"ll => (-ll + {Literal(d * lnL)}) * {Literal(1 / (d * Math.Log(2)))}";
        var tail = ml.Transforms.Expression(detector.ScoreColumnName, score, model.LogLikelihoodColumnName)
            .Append(ml.Transforms.Expression(detector.PredictedLabelColumnName, $"s => s > {Literal(detector.Threshold)}", detector.ScoreColumnName))
            .Append(ml.Transforms.DropColumns(model.LatentColumnName, model.LogLikelihoodColumnName));
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[0].ColumnName = model.LogLikelihoodColumnName;
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<Row>(), definition);
        var fittedTail = tail.Fit(ml.Transforms.CopyColumns(model.LatentColumnName, model.LogLikelihoodColumnName).Fit(empty).Transform(empty));
        return new TransformerChain<ITransformer>(nice.Concat(fittedTail).ToArray());
    }

    private sealed class Row
    {
        public float LogLikelihood;
    }

    private static string Literal(double v)
    {
        if (!double.IsFinite(v)) throw new NotSupportedException($"Cannot write {v} into an ML.NET expression.");
        return v.ToString("0.0###############", CultureInfo.InvariantCulture);
    }

    public static NiceAnomalyDetector Load(string path, int index)
    {
        var (model, m) = NiceTransformer.LoadWithMetadata(path, index);
        try
        {
            string Get(string key) => m.TryGetValue(key, out var v) ? v
                : throw new InvalidDataException($"{path}: its NICE model was saved as a transform, not as an anomaly detector (no '{key}' entry). Use NiceTransformer.Load.");
            var kind = Enum.Parse<NiceAnomalyScore>(Get(Kind));
            float threshold = float.Parse(Get(Threshold), CultureInfo.InvariantCulture);
            double? rate = m.TryGetValue(Rate, out var rs) ? double.Parse(rs, CultureInfo.InvariantCulture) : null;
            var columns = new AnomalyColumns(Get(Features), Get(ScoreColumn), Get(Label));
            return new NiceAnomalyDetector(new SharedModel(model), columns, new AnomalyScorer(model, kind, null),
                NiceComplexityCompressor.Deflate, 0, threshold, rate);
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
