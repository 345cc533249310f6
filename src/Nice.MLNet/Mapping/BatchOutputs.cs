using System;
using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Mapping;

/// <summary>
/// The appended columns' values for the rows of one batch: a float buffer per active Single or vector column, a bool
/// buffer per active Boolean column. Buffers grow with the rows actually read (up to the batch size), so a large batch
/// size costs memory only when the data has that many rows.
/// </summary>
internal sealed class BatchOutputs
{
    private readonly IReadOnlyList<AppendedColumn> columns;
    private readonly Array?[] buffers;

    public BatchOutputs(IReadOnlyList<AppendedColumn> columns, IReadOnlyCollection<int> activeOutputs)
    {
        this.columns = columns;
        buffers = new Array?[columns.Count];
        foreach (int j in activeOutputs)
            buffers[j] = columns[j].Type is BooleanDataViewType ? Array.Empty<bool>() : Array.Empty<float>();
    }

    /// <summary>True when output <paramref name="index"/> is wanted.</summary>
    public bool IsActive(int index) => buffers[index] is not null;

    /// <summary>True when any output is wanted.</summary>
    public bool AnyActive => Array.Exists(buffers, b => b is not null);

    /// <summary>The float buffer of output <paramref name="index"/> (rows × width values), or null when it is not
    /// wanted.</summary>
    public float[]? Floats(int index) => buffers[index] as float[];

    /// <summary>The bool buffer of output <paramref name="index"/>, or null when it is not wanted.</summary>
    public bool[]? Bools(int index) => buffers[index] as bool[];

    /// <summary>Makes every active buffer hold at least <paramref name="rows"/> rows.</summary>
    public void EnsureRows(int rows)
    {
        for (int j = 0; j < buffers.Length; j++)
        {
            long needed = (long)rows * columns[j].Width;
            if (buffers[j] is float[] f && f.Length < needed) buffers[j] = new float[needed];
            else if (buffers[j] is bool[] b && b.Length < rows) buffers[j] = new bool[rows];
        }
    }

    /// <summary>A getter serving output <paramref name="index"/> of the row <paramref name="slot"/> returns.</summary>
    public Delegate Getter(int index, Func<int> slot)
    {
        int width = columns[index].Width;
        return columns[index].Type switch
        {
            VectorDataViewType => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
            {
                var editor = VBufferEditor.Create(ref dst, width);
                Floats(index)!.AsSpan(slot() * width, width).CopyTo(editor.Values);
                dst = editor.Commit();
            }),
            BooleanDataViewType => (ValueGetter<bool>)((ref bool dst) => dst = Bools(index)![slot()]),
            _ => (ValueGetter<float>)((ref float dst) => dst = Floats(index)![slot()]),
        };
    }
}
