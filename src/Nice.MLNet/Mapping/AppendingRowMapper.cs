using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Mapping;

/// <summary>
/// Row-at-a-time mapping for <c>PredictionEngine</c>: the appended columns of the input row, computed by the same
/// <see cref="IBatchMapper"/> as the batched cursor (a batch of one), once per row position.
/// </summary>
internal sealed class AppendingRowMapper : IRowToRowMapper
{
    private readonly AppendedSchema schema;
    private readonly IBatchMapper mapper;

    public AppendingRowMapper(AppendedSchema schema, IBatchMapper mapper)
    {
        this.schema = schema;
        this.mapper = mapper;
    }

    public DataViewSchema InputSchema => schema.Input;
    public DataViewSchema OutputSchema => schema.Schema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        => schema.InputsNeeded(dependingColumns.Select(c => c.Index));

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        => new MappedRow(schema, mapper, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class MappedRow : DataViewRow
    {
        private readonly AppendedSchema schema;
        private readonly IBatchMapper mapper;
        private readonly DataViewRow input;
        private readonly HashSet<int> active;
        private readonly BatchOutputs outputs;
        private readonly ValueGetter<VBuffer<float>>? features;
        private readonly float[] x;
        private VBuffer<float> row;
        private long mapped = long.MinValue;

        public MappedRow(AppendedSchema schema, IBatchMapper mapper, DataViewRow input, HashSet<int> active)
        {
            this.schema = schema;
            this.mapper = mapper;
            this.input = input;
            this.active = active;
            outputs = new BatchOutputs(schema.Columns, schema.ActiveOutputs(active));
            outputs.EnsureRows(1);
            x = new float[schema.Dimension];
            if (outputs.AnyActive) features = input.GetGetter<VBuffer<float>>(input.Schema[schema.Features.Index]);
        }

        public override DataViewSchema Schema => schema.Schema;
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        /// <summary>Index 0 of the outputs, mapped for the current row (once per position).</summary>
        private int Current()
        {
            long position = input.Position;
            if (position >= 0 && position == mapped) return 0;
            features!(ref row);
            if (row.Length != schema.Dimension)
                throw new InvalidOperationException(
                    $"Column '{schema.Features.Name}' has {row.Length} values; the model expects {schema.Dimension}.");
            row.CopyTo(x);
            mapper.Map(x, 1, outputs);
            mapped = position;
            return 0;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active.Contains(column.Index))
                throw new InvalidOperationException($"Column '{column.Name}' is not active.");
            if (!schema.IsOutput(column.Index)) return input.GetGetter<TValue>(input.Schema[column.Index]);
            return outputs.Getter(schema.OutputIndex(column.Index), Current) as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not " +
                    $"{typeof(TValue).Name}.");
        }
    }
}
