using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

using Nice.MLNet.Data;

namespace Nice.MLNet.Anomaly;

/// <summary>
/// Getters of a detector's output row on top of a row of the NICE transform's output (a batched cursor or a mapped row):
/// pass-through columns are the inner row's, Score is computed once per row position, PredictedLabel = Score &gt; threshold.
/// </summary>
internal sealed class ScoreSource
{
    private readonly AnomalySchema schema;
    private readonly DataViewRow inner;
    private readonly AnomalyScorer scorer;
    private readonly float threshold;
    private readonly ValueGetter<float>? logLikelihood;
    private readonly ValueGetter<VBuffer<float>>? features;
    private readonly float[] x;
    private VBuffer<float> buffer;
    private long cached = long.MinValue;
    private float score;

    public ScoreSource(AnomalySchema schema, DataViewRow inner, AnomalyScorer scorer, float threshold, bool scoreActive)
    {
        this.schema = schema;
        this.inner = inner;
        this.scorer = scorer;
        this.threshold = threshold;
        x = new float[scoreActive && scorer.NeedsFeatures ? ((VectorDataViewType)schema.Features.Type).Size : 0];
        if (scoreActive)
        {
            logLikelihood = inner.GetGetter<float>(inner.Schema[schema.LogLikelihoodIndex]);
            if (scorer.NeedsFeatures) features = inner.GetGetter<VBuffer<float>>(inner.Schema[schema.Features.Index]);
        }
    }

    /// <summary>The inner (NICE output) columns needed for the requested output columns.</summary>
    public static IEnumerable<DataViewSchema.Column> InnerColumns(AnomalySchema schema, DataViewSchema innerSchema, IEnumerable<int> active, AnomalyScorer scorer)
    {
        var set = active.ToHashSet();
        var needed = set.Where(i => !schema.IsOutput(i)).ToHashSet();
        if (set.Any(schema.IsOutput))
        {
            needed.Add(schema.LogLikelihoodIndex);
            if (scorer.NeedsFeatures) needed.Add(schema.Features.Index);
        }
        return needed.Select(i => innerSchema[i]).ToArray();
    }

    private float Score()
    {
        long position = inner.Position;
        if (position >= 0 && position == cached) return score;
        float ll = 0;
        logLikelihood!(ref ll);
        if (features != null)
        {
            features(ref buffer);
            buffer.CopyTo(x);
        }
        score = scorer.Score(ll, x);
        cached = position;
        return score;
    }

    public ValueGetter<TValue> Getter<TValue>(DataViewSchema.Column column)
    {
        Delegate getter;
        if (column.Index == schema.ScoreIndex)
            getter = (ValueGetter<float>)((ref float dst) => dst = Score());
        else if (column.Index == schema.PredictedLabelIndex)
            getter = (ValueGetter<bool>)((ref bool dst) => dst = Score() > threshold);
        else
            return inner.GetGetter<TValue>(inner.Schema[column.Index]);
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
    }
}
