using System;

namespace Nice.MLNet.Mapping;

/// <summary>
/// Computes the appended columns of a batch of rows from their feature vectors. The one scoring contract behind
/// <see cref="BatchedDataView"/> (batched cursors) and <see cref="AppendingRowMapper"/> (PredictionEngine).
/// </summary>
internal interface IBatchMapper
{
    /// <summary>
    /// Fills the active buffers of <paramref name="outputs"/> for the first <paramref name="rows"/> rows of
    /// <paramref name="features"/> (row-major, D values per row). Throws <see cref="ObjectDisposedException"/> naming
    /// its owner when the model behind it has been disposed.
    /// </summary>
    void Map(ReadOnlySpan<float> features, int rows, BatchOutputs outputs);
}
