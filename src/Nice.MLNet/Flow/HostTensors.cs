using System;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// Managed rows into CPU tensors without a managed copy. <c>torch.tensor(float[])</c> clones the array and pins the
/// clone for the tensor's lifetime, so every batch left a pinned array of rows × D floats on the .NET heap (51 KB per
/// 200 × 64 batch, pinned, so the GC cannot compact around it); here the tensor is allocated natively and the rows are
/// copied in.
/// </summary>
internal static class HostTensors
{
    /// <summary>A new float32 CPU tensor of shape [rows, columns] holding <paramref name="values"/> (row-major, length
    /// rows × columns).</summary>
    public static Tensor FromRows(ReadOnlySpan<float> values, long rows, long columns)
    {
        if (values.Length != rows * columns)
            throw new ArgumentException($"{values.Length} values do not fill a {rows} x {columns} tensor.",
                nameof(values));
        var t = empty(new[] { rows, columns }, ScalarType.Float32);
        if (values.Length > 0) values.CopyTo(MemoryMarshal.Cast<byte, float>(t.bytes));
        return t;
    }
}
