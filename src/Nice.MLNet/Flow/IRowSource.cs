using System;
using System.Collections.Generic;

namespace Nice.MLNet.Flow;

/// <summary>
/// A re-readable sequence of rows of D floats, in a stable order. The flow's training reads it once per epoch
/// (streaming) or once in all (cached), and never needs it to fit in memory.
/// </summary>
internal interface IRowSource
{
    int Dimension { get; }

    /// <summary>
    /// Enumerates the rows in order. The memory handed out may be reused by the next <c>MoveNext</c>: copy it to keep
    /// it. Throws <see cref="InvalidOperationException"/> naming the row when a row is not what is expected.
    /// </summary>
    IEnumerable<ReadOnlyMemory<float>> ReadRows();
}
