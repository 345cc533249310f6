using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

using Nice.MLNet.Data;

namespace Nice.MLNet.Anomaly;

/// <summary>Row-at-a-time mapping for <c>PredictionEngine</c>: the NICE row mapper's log-likelihood turned into Score and PredictedLabel.</summary>
internal sealed class AnomalyRowMapper : IRowToRowMapper
{
    private readonly AnomalySchema schema;
    private readonly IRowToRowMapper nice;
    private readonly AnomalyScorer scorer;
    private readonly float threshold;

    public AnomalyRowMapper(AnomalySchema schema, IRowToRowMapper nice, AnomalyScorer scorer, float threshold)
    {
        this.schema = schema;
        this.nice = nice;
        this.scorer = scorer;
        this.threshold = threshold;
    }

    public DataViewSchema InputSchema => schema.Input;
    public DataViewSchema OutputSchema => schema.Schema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        => schema.InputsNeeded(dependingColumns.Select(c => c.Index));

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        var active = activeColumns.Select(c => c.Index).ToHashSet();
        var inner = nice.GetRow(input, ScoreSource.InnerColumns(schema, nice.OutputSchema, active, scorer));
        return new Row(schema, inner, new ScoreSource(schema, inner, scorer, threshold, active.Any(schema.IsOutput)), active);
    }

    private sealed class Row : DataViewRow
    {
        private readonly AnomalySchema schema;
        private readonly DataViewRow inner;
        private readonly ScoreSource source;
        private readonly HashSet<int> active;

        public Row(AnomalySchema schema, DataViewRow inner, ScoreSource source, HashSet<int> active)
        {
            this.schema = schema;
            this.inner = inner;
            this.source = source;
            this.active = active;
        }

        public override DataViewSchema Schema => schema.Schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active.Contains(column.Index)) throw new InvalidOperationException($"Column '{column.Name}' is not active.");
            return source.Getter<TValue>(column);
        }
    }
}
