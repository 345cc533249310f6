using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Data;

/// <summary>Row-at-a-time mapping for <c>PredictionEngine</c>: the latent and log-likelihood of the input row, computed once per row position.</summary>
internal sealed class NiceRowMapper : IRowToRowMapper
{
    private readonly OutputSchema schema;
    private readonly FlowScorer scorer;

    public NiceRowMapper(OutputSchema schema, FlowScorer scorer)
    {
        this.schema = schema;
        this.scorer = scorer;
    }

    public DataViewSchema InputSchema => schema.Input;
    public DataViewSchema OutputSchema => schema.Schema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        => schema.InputsNeeded(dependingColumns.Select(c => c.Index));

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        => new MappedRow(schema, scorer, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class MappedRow : DataViewRow
    {
        private readonly OutputSchema schema;
        private readonly FlowScorer scorer;
        private readonly DataViewRow input;
        private readonly HashSet<int> active;
        private readonly ValueGetter<VBuffer<float>>? features;
        private readonly float[] x, z, ll = new float[1];
        private VBuffer<float> row;
        private long scored = long.MinValue;

        public MappedRow(OutputSchema schema, FlowScorer scorer, DataViewRow input, HashSet<int> active)
        {
            this.schema = schema;
            this.scorer = scorer;
            this.input = input;
            this.active = active;
            x = new float[schema.Dimension];
            z = new float[schema.Dimension];
            if (active.Contains(schema.LatentIndex) || active.Contains(schema.LogLikelihoodIndex))
                features = input.GetGetter<VBuffer<float>>(input.Schema[schema.Features.Index]);
        }

        public override DataViewSchema Schema => schema.Schema;
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        private void Ensure()
        {
            long position = input.Position;
            if (position >= 0 && position == scored) return;
            features!(ref row);
            if (row.Length != schema.Dimension)
                throw new InvalidOperationException($"Column '{schema.Features.Name}' has {row.Length} values; the model expects {schema.Dimension}.");
            row.CopyTo(x);
            scorer.Score(x, 1, z, ll);
            scored = position;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active.Contains(column.Index)) throw new InvalidOperationException($"Column '{column.Name}' is not active.");
            Delegate getter;
            if (column.Index == schema.LatentIndex)
                getter = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    Ensure();
                    var editor = VBufferEditor.Create(ref dst, z.Length);
                    z.CopyTo(editor.Values);
                    dst = editor.Commit();
                });
            else if (column.Index == schema.LogLikelihoodIndex)
                getter = (ValueGetter<float>)((ref float dst) => { Ensure(); dst = ll[0]; });
            else
                return input.GetGetter<TValue>(input.Schema[column.Index]);
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }
    }
}
