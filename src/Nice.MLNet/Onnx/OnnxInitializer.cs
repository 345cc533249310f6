using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Nice.MLNet.Onnx.Proto;

namespace Nice.MLNet.Onnx;

/// <summary>One initializer of an ONNX graph: name, shape, element type and data (raw_data or float_data).</summary>
internal sealed class OnnxInitializer
{
    private readonly TensorProto tensor;

    public OnnxInitializer(TensorProto tensor)
    {
        this.tensor = tensor;
        Dims = tensor.Dims.ToArray();
    }

    public string Name => tensor.Name;
    public long[] Dims { get; }

    /// <summary>TensorProto.DataType (1 = FLOAT).</summary>
    public int DataType => tensor.DataType;

    /// <summary>The number of float values actually stored (raw_data bytes / 4, or the float_data count).</summary>
    public long StoredFloats => tensor.HasRawData ? tensor.RawData.Length / sizeof(float) : tensor.FloatData.Count;

    /// <summary>
    /// The values of an INT64 initializer of shape [<paramref name="length"/>]; throws
    /// <see cref="InvalidDataException"/> otherwise.
    /// </summary>
    public long[] ToInt64s(long length)
    {
        if (DataType != OnnxModelBuilder.Int64Type)
            throw new InvalidDataException(
                $"The initializer '{Name}' has ONNX data type {DataType}, expected INT64 (7).");
        if (Dims.Length != 1 || Dims[0] != length)
            throw new InvalidDataException($"The initializer '{Name}' has shape {Shape}; expected [{length}].");
        if (!tensor.HasRawData || tensor.RawData.Length != length * sizeof(long))
            throw new InvalidDataException(
                $"The initializer '{Name}' does not hold {length} int64 values as raw_data.");
        var values = MemoryMarshal.Cast<byte, long>(tensor.RawData.Span).ToArray();
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReverseEndianness(values[i]);
        return values;
    }

    /// <summary>
    /// The values as float32: on a little-endian machine a view of raw_data, not a copy. Throws
    /// <see cref="InvalidDataException"/> when the type or the count does not match the shape.
    /// </summary>
    public ReadOnlySpan<float> Floats()
    {
        if (DataType != OnnxModelBuilder.FloatType)
            throw new InvalidDataException(
                $"The initializer '{Name}' has ONNX data type {DataType}, expected FLOAT (1).");
        long count = 1;
        foreach (var d in Dims)
        {
            if (d < 0) throw new InvalidDataException($"The initializer '{Name}' has a negative dimension {d}.");
            count = d == 0 ? 0 : count <= int.MaxValue / d ? count * d : long.MaxValue;
        }
        if (tensor.HasRawData)
        {
            var raw = tensor.RawData.Span;
            if (raw.Length != count * sizeof(float))
                throw new InvalidDataException($"The initializer '{Name}' has {raw.Length} bytes of raw_data; "
                    + $"its shape {Shape} needs {count * sizeof(float)}.");
            var values = MemoryMarshal.Cast<byte, float>(raw);
            return BitConverter.IsLittleEndian ? values : Reversed(values);
        }
        if (tensor.FloatData.Count != count)
            throw new InvalidDataException(
                $"The initializer '{Name}' holds {tensor.FloatData.Count} values; its shape {Shape} needs {count}.");
        return tensor.FloatData.ToArray();
    }

    /// <summary>The values as a new float32 array; see <see cref="Floats"/>.</summary>
    public float[] ToFloats() => Floats().ToArray();

    /// <summary>Little-endian floats read on a big-endian machine.</summary>
    private static float[] Reversed(ReadOnlySpan<float> values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < result.Length; i++)
            result[i] = BitConverter.Int32BitsToSingle(
                BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(values[i])));
        return result;
    }

    private string Shape => $"[{string.Join(", ", Dims)}]";
}
