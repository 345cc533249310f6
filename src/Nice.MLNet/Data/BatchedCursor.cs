using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Data;

/// <summary>
/// Reads ahead a batch of input rows, scores them in one forward pass, then serves them one by one.
/// Pass-through columns are buffered per row (<see cref="ColumnBuffer"/>), so the input is read once.
/// </summary>
internal sealed class BatchedCursor : DataViewRowCursor
{
    private readonly OutputSchema schema;
    private readonly DataViewRowCursor input;
    private readonly FlowScorer scorer;
    private readonly bool[] active;
    private readonly bool score;
    private readonly int capacity;
    private readonly ValueGetter<VBuffer<float>>? features;
    private readonly ValueGetter<DataViewRowId> inputId;
    private readonly Dictionary<int, ColumnBuffer> passThrough = new();
    private readonly DataViewRowId[] ids;
    private readonly float[] inputs;
    private readonly float[] latent;
    private readonly float[] logLikelihood;
    private VBuffer<float> row;
    private int count, slot = -1;
    private long position = -1;

    public BatchedCursor(OutputSchema schema, DataViewRowCursor input, FlowScorer scorer, IReadOnlyCollection<int> activeColumns, int batchSize)
    {
        this.schema = schema;
        this.input = input;
        this.scorer = scorer;
        capacity = batchSize;
        active = new bool[schema.Schema.Count];
        foreach (var i in activeColumns) active[i] = true;
        score = active[schema.LatentIndex] || active[schema.LogLikelihoodIndex];
        int d = schema.Dimension;
        inputs = new float[score ? capacity * d : 0];
        latent = new float[active[schema.LatentIndex] ? capacity * d : 0];
        logLikelihood = new float[score ? capacity : 0];
        ids = new DataViewRowId[capacity];
        inputId = input.GetIdGetter();
        if (score) features = input.GetGetter<VBuffer<float>>(schema.Features);
        foreach (var i in activeColumns.Where(i => !schema.IsOutput(i)))
            passThrough[i] = ColumnBuffer.Create(input, schema.Input[i], capacity);
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
        while (count < capacity && input.MoveNext())
        {
            inputId(ref ids[count]);
            foreach (var b in passThrough.Values) b.Read(count);
            if (score)
            {
                features!(ref row);
                if (row.Length != d)
                    throw new InvalidOperationException($"Row {input.Position} of column '{schema.Features.Name}' has {row.Length} values; the model expects {d}.");
                row.CopyTo(inputs, count * d);
            }
            count++;
        }
        if (count == 0) return false;
        if (score) scorer.Score(inputs, count, active[schema.LatentIndex] ? latent : null, logLikelihood);
        return true;
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' was not requested from this cursor.");
        Delegate getter;
        if (column.Index == schema.LatentIndex)
        {
            int d = schema.Dimension;
            getter = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
            {
                var editor = VBufferEditor.Create(ref dst, d);
                latent.AsSpan(slot * d, d).CopyTo(editor.Values);
                dst = editor.Commit();
            });
        }
        else if (column.Index == schema.LogLikelihoodIndex)
            getter = (ValueGetter<float>)((ref float dst) => dst = logLikelihood[slot]);
        else
            getter = passThrough[column.Index].Getter(() => slot);
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId dst) => dst = ids[slot];

    protected override void Dispose(bool disposing)
    {
        if (disposing) input.Dispose();
        base.Dispose(disposing);
    }
}
