using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Mapping;

/// <summary>
/// Reads ahead a batch of input rows, maps them in one call, then serves them one by one. Pass-through columns are
/// buffered per row (<see cref="ColumnBuffer"/>), so the input is read once. Buffers grow with the rows actually read,
/// up to the batch size.
/// </summary>
internal sealed class BatchedCursor : DataViewRowCursor
{
    private readonly AppendedSchema schema;
    private readonly DataViewRowCursor input;
    private readonly IBatchMapper mapper;
    private readonly bool[] active;
    private readonly int batchSize;
    private readonly BatchOutputs outputs;
    private readonly ValueGetter<VBuffer<float>>? features;
    private readonly ValueGetter<DataViewRowId> inputId;
    private readonly Dictionary<int, ColumnBuffer> passThrough = new();
    private DataViewRowId[] ids = Array.Empty<DataViewRowId>();
    private float[] inputs = Array.Empty<float>();
    private VBuffer<float> row;
    private int count, slot = -1;
    private long position = -1;

    public BatchedCursor(AppendedSchema schema, DataViewRowCursor input, IBatchMapper mapper,
        IReadOnlyCollection<int> activeColumns, int batchSize)
    {
        this.schema = schema;
        this.input = input;
        this.mapper = mapper;
        this.batchSize = batchSize;
        active = new bool[schema.Schema.Count];
        foreach (var i in activeColumns) active[i] = true;
        outputs = new BatchOutputs(schema.Columns, schema.ActiveOutputs(activeColumns));
        inputId = input.GetIdGetter();
        if (outputs.AnyActive) features = input.GetGetter<VBuffer<float>>(schema.Features);
        foreach (var i in activeColumns.Where(i => !schema.IsOutput(i)))
            passThrough[i] = ColumnBuffer.Create(input, schema.Input[i]);
    }

    public override DataViewSchema Schema => schema.Schema;
    public override long Position => position;
    public override long Batch => input.Batch;
    public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];

    public override bool MoveNext()
    {
        if (slot + 1 < count) { slot++; position++; return true; }
        if (!Fill()) { slot = count; return false; }
        slot = 0;
        position++;
        return true;
    }

    private bool Fill()
    {
        int d = schema.Dimension;
        count = 0;
        while (count < batchSize && input.MoveNext())
        {
            Grow(count + 1);
            inputId(ref ids[count]);
            foreach (var b in passThrough.Values) b.Read(count);
            if (features != null)
            {
                features(ref row);
                if (row.Length != d)
                    throw new InvalidOperationException(
                        $"Row {input.Position} of column '{schema.Features.Name}' has {row.Length} values; the model " +
                            $"expects {d}.");
                row.CopyTo(inputs, count * d);
            }
            count++;
        }
        if (count == 0) return false;
        if (features != null)
        {
            outputs.EnsureRows(count);
            mapper.Map(inputs.AsSpan(0, count * d), count, outputs);
        }
        return true;
    }

    /// <summary>Doubles the row buffers (from 64 rows, up to the batch size) when <paramref name="rows"/> do not
    /// fit.</summary>
    private void Grow(int rows)
    {
        if (rows <= ids.Length) return;
        int capacity = (int)Math.Min(batchSize, Math.Max(64L, 2L * ids.Length));
        Array.Resize(ref ids, capacity);
        if (features != null) Array.Resize(ref inputs, checked(capacity * schema.Dimension));
        foreach (var b in passThrough.Values) b.EnsureRows(capacity);
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!active[column.Index])
            throw new InvalidOperationException($"Column '{column.Name}' was not requested from this cursor.");
        var getter = schema.IsOutput(column.Index)
            ? outputs.Getter(schema.OutputIndex(column.Index), () => slot)
            : passThrough[column.Index].Getter(() => slot);
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not " +
                $"{typeof(TValue).Name}.");
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId dst) => dst = ids[slot];

    protected override void Dispose(bool disposing)
    {
        if (disposing) input.Dispose();
        base.Dispose(disposing);
    }
}
