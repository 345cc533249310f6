using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;

namespace Nice.MLNet.Data;

/// <summary>The lazy result of <see cref="NiceTransformer.Transform"/>: nothing is computed until a cursor moves.</summary>
internal sealed class NiceDataView : IDataView
{
    private readonly IDataView input;
    private readonly OutputSchema schema;
    private readonly FlowScorer scorer;
    private readonly int batchSize;

    public NiceDataView(IDataView input, OutputSchema schema, FlowScorer scorer, int batchSize)
    {
        this.input = input;
        this.schema = schema;
        this.scorer = scorer;
        this.batchSize = batchSize;
    }

    public bool CanShuffle => input.CanShuffle;
    public DataViewSchema Schema => schema.Schema;
    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var (active, inputColumns) = Plan(columnsNeeded);
        return new BatchedCursor(schema, input.GetRowCursor(inputColumns, rand), scorer, active, batchSize);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var (active, inputColumns) = Plan(columnsNeeded);
        return input.GetRowCursorSet(inputColumns, n, rand)
            .Select(c => (DataViewRowCursor)new BatchedCursor(schema, c, scorer, active, batchSize))
            .ToArray();
    }

    private (IReadOnlyCollection<int> Active, IEnumerable<DataViewSchema.Column> Input) Plan(IEnumerable<DataViewSchema.Column> needed)
    {
        var active = needed.Select(c => c.Index).ToHashSet();
        return (active, schema.InputsNeeded(active));
    }
}
