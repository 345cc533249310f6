using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace Nice.MLNet.Onnx;

/// <summary>One initializer of an ONNX graph: name, shape, element type and its data (raw_data or float_data).</summary>
internal sealed class OnnxInitializer
{
    public OnnxInitializer(string name, long[] dims, int dataType, ProtoSlice? raw, float[]? floatData)
    {
        Name = name;
        Dims = dims;
        DataType = dataType;
        Raw = raw;
        FloatData = floatData;
    }

    public string Name { get; }
    public long[] Dims { get; }
    /// <summary>TensorProto.DataType (1 = FLOAT).</summary>
    public int DataType { get; }
    public ProtoSlice? Raw { get; }
    public float[]? FloatData { get; }

    /// <summary>The number of float values actually stored (raw_data bytes / 4, or the float_data count).</summary>
    public long StoredFloats => Raw is ProtoSlice r ? r.Length / sizeof(float) : FloatData?.Length ?? 0;

    /// <summary>The values of an INT64 initializer of shape [<paramref name="length"/>]; throws <see cref="InvalidDataException"/> otherwise.</summary>
    public long[] ToInt64s(long length)
    {
        if (DataType != OnnxModelBuilder.Int64Type)
            throw new InvalidDataException($"The initializer '{Name}' has ONNX data type {DataType}, expected INT64 (7).");
        if (Dims.Length != 1 || Dims[0] != length)
            throw new InvalidDataException($"The initializer '{Name}' has shape [{string.Join(", ", Dims)}]; expected [{length}].");
        if (Raw is not ProtoSlice raw || raw.Length != length * sizeof(long))
            throw new InvalidDataException($"The initializer '{Name}' does not hold {length} int64 values as raw_data.");
        var values = MemoryMarshal.Cast<byte, long>(raw.Span).ToArray();
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < values.Length; i++) values[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(values[i]);
        return values;
    }

    /// <summary>The values as float32; throws <see cref="InvalidDataException"/> when the type or the count does not match the shape.</summary>
    public float[] ToFloats()
    {
        if (DataType != OnnxModelBuilder.FloatType)
            throw new InvalidDataException($"The initializer '{Name}' has ONNX data type {DataType}, expected FLOAT (1).");
        long count = 1;
        foreach (var d in Dims)
        {
            if (d < 0) throw new InvalidDataException($"The initializer '{Name}' has a negative dimension {d}.");
            count = d == 0 ? 0 : count <= int.MaxValue / d ? count * d : long.MaxValue;
        }
        if (Raw is ProtoSlice raw)
        {
            if (raw.Length != count * sizeof(float))
                throw new InvalidDataException($"The initializer '{Name}' has {raw.Length} bytes of raw_data; its shape [{string.Join(", ", Dims)}] needs {count * sizeof(float)}.");
            var values = MemoryMarshal.Cast<byte, float>(raw.Span).ToArray();
            if (!BitConverter.IsLittleEndian)
                for (int i = 0; i < values.Length; i++)
                    values[i] = BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(values[i])));
            return values;
        }
        var data = FloatData ?? Array.Empty<float>();
        if (data.Length != count)
            throw new InvalidDataException($"The initializer '{Name}' holds {data.Length} values; its shape [{string.Join(", ", Dims)}] needs {count}.");
        return data;
    }
}

/// <summary>
/// What the importer needs from an ONNX ModelProto: metadata_props, the graph's initializers and the names of its
/// inputs and outputs. Everything else (nodes, opsets, types) is skipped. Field numbers are onnx.proto's.
/// </summary>
internal sealed class OnnxModelContents
{
    private OnnxModelContents(bool hasGraph, Dictionary<string, string> metadata, Dictionary<string, OnnxInitializer> initializers,
        List<string> inputs, List<string> outputs)
    {
        HasGraph = hasGraph;
        Metadata = metadata;
        Initializers = initializers;
        Inputs = inputs;
        Outputs = outputs;
    }

    public bool HasGraph { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyDictionary<string, OnnxInitializer> Initializers { get; }
    public IReadOnlyList<string> Inputs { get; }
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>Parses a ModelProto; throws <see cref="InvalidDataException"/> when the bytes are not a well-formed protobuf message.</summary>
    public static OnnxModelContents Parse(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0) throw new InvalidDataException("Not an ONNX model: the input is empty.");
        try
        {
            return ParseModel(new ProtoSlice(bytes, 0, bytes.Length));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"Not an ONNX model: the bytes are not a well-formed protobuf message, or are truncated ({e.Message}).", e);
        }
    }

    private static OnnxModelContents ParseModel(ProtoSlice model)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var initializers = new Dictionary<string, OnnxInitializer>(StringComparer.Ordinal);
        var inputs = new List<string>();
        var outputs = new List<string>();
        bool hasGraph = false;
        foreach (var f in ProtoReader.Fields(model))
        {
            switch (f.Number)
            {
                case 7: // ModelProto.graph
                    hasGraph = true;
                    ParseGraph(f.Bytes, initializers, inputs, outputs);
                    break;
                case 14: // ModelProto.metadata_props
                    string? key = null, value = null;
                    foreach (var e in ProtoReader.Fields(f.Bytes))
                    {
                        if (e.Number == 1) key = e.Bytes.Utf8();
                        else if (e.Number == 2) value = e.Bytes.Utf8();
                    }
                    if (key is null) throw new InvalidDataException("The ONNX model has a metadata entry without a key.");
                    if (!metadata.TryAdd(key, value ?? "")) throw new InvalidDataException($"The ONNX model has the metadata key '{key}' twice.");
                    break;
            }
        }
        return new OnnxModelContents(hasGraph, metadata, initializers, inputs, outputs);
    }

    private static void ParseGraph(ProtoSlice graph, Dictionary<string, OnnxInitializer> initializers, List<string> inputs, List<string> outputs)
    {
        foreach (var f in ProtoReader.Fields(graph))
        {
            switch (f.Number)
            {
                case 5: // GraphProto.initializer
                    var t = ParseTensor(f.Bytes);
                    if (!initializers.TryAdd(t.Name, t)) throw new InvalidDataException($"The ONNX graph has two initializers named '{t.Name}'.");
                    break;
                case 11: // GraphProto.input
                    inputs.Add(ValueInfoName(f.Bytes));
                    break;
                case 12: // GraphProto.output
                    outputs.Add(ValueInfoName(f.Bytes));
                    break;
            }
        }
    }

    private static string ValueInfoName(ProtoSlice valueInfo)
        => ProtoReader.Fields(valueInfo).Where(e => e.Number == 1).Select(e => e.Bytes.Utf8()).LastOrDefault() ?? "";

    private static OnnxInitializer ParseTensor(ProtoSlice tensor)
    {
        var dims = new List<long>();
        var floats = new List<float>();
        bool hasFloats = false;
        int dataType = 0;
        string name = "";
        ProtoSlice? raw = null;
        foreach (var f in ProtoReader.Fields(tensor))
        {
            switch (f.Number)
            {
                case 1: ProtoReader.AddInt64s(f, dims); break;               // TensorProto.dims
                case 2: dataType = (int)f.Varint; break;                     // TensorProto.data_type
                case 4: hasFloats = true; ProtoReader.AddFloats(f, floats); break; // TensorProto.float_data
                case 8: name = f.Bytes.Utf8(); break;                        // TensorProto.name
                case 9: raw = f.Bytes; break;                                // TensorProto.raw_data
            }
        }
        return new OnnxInitializer(name, dims.ToArray(), dataType, raw, hasFloats ? floats.ToArray() : null);
    }
}
