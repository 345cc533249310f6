using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;

namespace Nice.MLNet.Mapping;

/// <summary>
/// The lazy result of a transform that appends computed columns: nothing is computed until a cursor moves, then rows
/// are mapped <c>batchSize</c> at a time by an <see cref="IBatchMapper"/>.
/// </summary>
internal sealed class BatchedDataView : IDataView
{
    private readonly IDataView input;
    private readonly AppendedSchema schema;
    private readonly IBatchMapper mapper;
    private readonly int batchSize;

    public BatchedDataView(IDataView input, AppendedSchema schema, IBatchMapper mapper, int batchSize)
    {
        this.input = input;
        this.schema = schema;
        this.mapper = mapper;
        this.batchSize = batchSize;
    }

    public bool CanShuffle => input.CanShuffle;
    public DataViewSchema Schema => schema.Schema;
    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = columnsNeeded.Select(c => c.Index).ToHashSet();
        return new BatchedCursor(schema, input.GetRowCursor(schema.InputsNeeded(active), rand), mapper, active,
            batchSize);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n,
        Random? rand = null)
    {
        var active = columnsNeeded.Select(c => c.Index).ToHashSet();
        return input.GetRowCursorSet(schema.InputsNeeded(active), n, rand)
            .Select(c => (DataViewRowCursor)new BatchedCursor(schema, c, mapper, active, batchSize))
            .ToArray();
    }
}
