using System;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Mapping;

/// <summary>
/// Holds one input column's values for the rows of a read-ahead batch, so a batched cursor can serve pass-through
/// columns after its input cursor has moved on. Each slot owns its value (the input getter writes into the slot),
/// and vectors are copied out to the consumer, so no buffer is shared between rows.
/// </summary>
internal abstract class ColumnBuffer
{
    /// <summary>Reads the input cursor's current value into <paramref name="slot"/>.</summary>
    public abstract void Read(int slot);

    /// <summary>Makes room for at least <paramref name="rows"/> slots, keeping the values held.</summary>
    public abstract void EnsureRows(int rows);

    /// <summary>A <c>ValueGetter&lt;T&gt;</c> serving the value of the slot <paramref name="slot"/> returns.</summary>
    public abstract Delegate Getter(Func<int> slot);

    public static ColumnBuffer Create(DataViewRowCursor input, DataViewSchema.Column column)
    {
        var raw = column.Type.RawType;
        var type = raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>)
            ? typeof(VectorBuffer<>).MakeGenericType(raw.GetGenericArguments()[0])
            : typeof(ValueBuffer<>).MakeGenericType(raw);
        return (ColumnBuffer)Activator.CreateInstance(type, input, column)!;
    }

    private sealed class ValueBuffer<T> : ColumnBuffer
    {
        private readonly ValueGetter<T> getter;
        private T[] values = Array.Empty<T>();

        public ValueBuffer(DataViewRowCursor input, DataViewSchema.Column column)
            => getter = input.GetGetter<T>(column);

        public override void Read(int slot) => getter(ref values[slot]);

        public override void EnsureRows(int rows)
        {
            if (values.Length < rows) Array.Resize(ref values, rows);
        }

        public override Delegate Getter(Func<int> slot) => (ValueGetter<T>)((ref T dst) => dst = values[slot()]);
    }

    private sealed class VectorBuffer<T> : ColumnBuffer
    {
        private readonly ValueGetter<VBuffer<T>> getter;
        private VBuffer<T>[] values = Array.Empty<VBuffer<T>>();

        public VectorBuffer(DataViewRowCursor input, DataViewSchema.Column column)
            => getter = input.GetGetter<VBuffer<T>>(column);

        public override void Read(int slot) => getter(ref values[slot]);

        public override void EnsureRows(int rows)
        {
            if (values.Length < rows) Array.Resize(ref values, rows);
        }

        public override Delegate Getter(Func<int> slot)
            => (ValueGetter<VBuffer<T>>)((ref VBuffer<T> dst) => values[slot()].CopyTo(ref dst));
    }
}
