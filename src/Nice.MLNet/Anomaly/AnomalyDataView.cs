using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

using Nice.MLNet.Data;

namespace Nice.MLNet.Anomaly;

/// <summary>The lazy result of <see cref="NiceAnomalyDetector.Transform"/>: the NICE transform's batched output, with Latent and LogLikelihood replaced by Score and PredictedLabel.</summary>
internal sealed class AnomalyDataView : IDataView
{
    private readonly IDataView scored;
    private readonly AnomalySchema schema;
    private readonly AnomalyScorer scorer;
    private readonly float threshold;

    public AnomalyDataView(IDataView input, NiceTransformer model, AnomalySchema schema, AnomalyScorer scorer, float threshold)
    {
        scored = model.Transform(input);
        this.schema = schema;
        this.scorer = scorer;
        this.threshold = threshold;
    }

    public bool CanShuffle => scored.CanShuffle;
    public DataViewSchema Schema => schema.Schema;
    public long? GetRowCount() => scored.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = columnsNeeded.Select(c => c.Index).ToArray();
        var inner = scored.GetRowCursor(ScoreSource.InnerColumns(schema, scored.Schema, active, scorer), rand);
        return new Cursor(this, inner, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var active = columnsNeeded.Select(c => c.Index).ToArray();
        return scored.GetRowCursorSet(ScoreSource.InnerColumns(schema, scored.Schema, active, scorer), n, rand)
            .Select(c => (DataViewRowCursor)new Cursor(this, c, active))
            .ToArray();
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor inner;
        private readonly DataViewSchema outSchema;
        private readonly bool[] active;
        private readonly ScoreSource source;

        public Cursor(AnomalyDataView view, DataViewRowCursor inner, IReadOnlyCollection<int> activeColumns)
        {
            this.inner = inner;
            outSchema = view.schema.Schema;
            active = new bool[outSchema.Count];
            foreach (var i in activeColumns) active[i] = true;
            bool scoreActive = activeColumns.Any(view.schema.IsOutput);
            source = new ScoreSource(view.schema, inner, view.scorer, view.threshold, scoreActive);
        }

        public override DataViewSchema Schema => outSchema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override bool MoveNext() => inner.MoveNext();
        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' was not requested from this cursor.");
            return source.Getter<TValue>(column);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
