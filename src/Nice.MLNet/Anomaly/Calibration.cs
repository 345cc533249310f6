using System;
using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Anomaly;

/// <summary>The passes over data a detector needs besides training: the value range for the complexity coder, and scores for the threshold.</summary>
internal static class Calibration
{
    /// <summary>
    /// The complexity coder for <paramref name="model"/>: its quantization grid when it dequantizes (levels k as bytes), otherwise
    /// 256 levels spanning the [min, max] of <paramref name="data"/>'s feature values.
    /// </summary>
    public static InputComplexity Complexity(NiceTransformer model, NiceComplexityCompressor compressor, int imageWidth, IDataView data, string featureColumn)
    {
        if (imageWidth > 0 && model.Dimension % imageWidth != 0)
            throw new ArgumentException($"ImageWidth {imageWidth} does not divide the feature size D = {model.Dimension}; give the width of the row-major image, or 0.", nameof(imageWidth));
        if (model.Dequantization is { } dq) return new InputComplexity(dq.Levels, dq.Step, dq.Offset, compressor, imageWidth, dq.Levels);
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        var column = data.Schema[featureColumn];
        using (var cursor = data.GetRowCursor(new[] { column }))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> row = default;
            while (cursor.MoveNext())
            {
                getter(ref row);
                foreach (var v in row.DenseValues())
                    if (float.IsFinite(v)) { min = Math.Min(min, v); max = Math.Max(max, v); }
            }
        }
        if (!float.IsFinite(min)) throw new InvalidOperationException($"Column '{featureColumn}' has no finite values to set the complexity score's quantization range.");
        double step = max > min ? (max - (double)min) / 255 : 1;
        return new InputComplexity(256, step, min, compressor, imageWidth, 0);
    }

    /// <summary>
    /// The threshold flagging a fraction ≤ <paramref name="falsePositiveRate"/> of <paramref name="normalData"/> under
    /// <paramref name="scorer"/> (the (1 − α) empirical quantile of their scores, scored in batches), and the fraction it flags.
    /// </summary>
    public static (float Threshold, double Rate) Threshold(SharedModel shared, AnomalyColumns columns, AnomalyScorer scorer,
        IDataView normalData, double falsePositiveRate)
    {
        var unCalibrated = new NiceAnomalyDetector(shared, columns, scorer, default, 0, float.PositiveInfinity, null);
        var scores = Column(unCalibrated.Transform(normalData), columns.Score);
        float threshold = ThresholdCalibration.ForFalsePositiveRate(scores, falsePositiveRate);
        return (threshold, ThresholdCalibration.Rate(scores, threshold));
    }

    /// <summary>Every row's value of a Single column.</summary>
    public static float[] Column(IDataView view, string name)
    {
        var column = view.Schema[name];
        var values = new List<float>();
        using var cursor = view.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<float>(column);
        float v = 0;
        while (cursor.MoveNext())
        {
            getter(ref v);
            values.Add(v);
        }
        return values.ToArray();
    }
}
