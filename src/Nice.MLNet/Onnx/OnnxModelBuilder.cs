using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;

namespace Nice.MLNet.Onnx;

/// <summary>An ONNX node attribute: an int or a float (AttributeProto types INT = 2, FLOAT = 1).</summary>
internal readonly record struct OnnxAttribute(string Name, long? Int = null, float? Float = null)
{
    public static OnnxAttribute Of(string name, long value) => new(name, Int: value);
    public static OnnxAttribute Of(string name, float value) => new(name, Float: value);
}

/// <summary>
/// Builds one ONNX model (default domain, opset <see cref="Opset"/>) node by node and serializes it with
/// <see cref="ProtoMessage"/>. Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto,
/// AttributeProto, TensorProto, ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto,
/// StringStringEntryProto). Intermediate values get unique names under the <c>nice/</c> prefix.
/// </summary>
internal sealed class OnnxModelBuilder
{
    /// <summary>The opset of the default ONNX domain the graphs are written for (ReduceSum takes its axes as an input).</summary>
    public const int Opset = 17;

    /// <summary>IR version 8 (ONNX 1.10+), the one that goes with opset 17.</summary>
    public const int IrVersion = 8;

    /// <summary>TensorProto.DataType FLOAT.</summary>
    public const int FloatType = 1;

    /// <summary>TensorProto.DataType INT64.</summary>
    public const int Int64Type = 7;

    private readonly List<ProtoMessage> nodes = new();
    private readonly List<ProtoMessage> initializers = new();
    private readonly List<ProtoMessage> inputs = new();
    private readonly List<ProtoMessage> outputs = new();
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private int counter;

    /// <summary>A float32 initializer (raw_data, little-endian). Returns its name.</summary>
    public string Initializer(string name, ReadOnlySpan<float> data, params long[] dims)
        => AddInitializer(name, FloatType, MemoryMarshal.AsBytes(data), sizeof(float), dims);

    /// <summary>An int64 initializer (raw_data, little-endian). Returns its name.</summary>
    public string Initializer(string name, ReadOnlySpan<long> data, params long[] dims)
        => AddInitializer(name, Int64Type, MemoryMarshal.AsBytes(data), sizeof(long), dims);

    /// <summary>A float32 scalar (shape []) constant with a generated name.</summary>
    public string Scalar(float value) => Initializer(Fresh("const"), new[] { value });

    /// <summary>A 1-D int64 constant with a generated name.</summary>
    public string Int64s(params long[] values) => Initializer(Fresh("const"), values, values.Length);

    private string AddInitializer(string name, int dataType, ReadOnlySpan<byte> raw, int elementSize, long[] dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        if (raw.Length != count * elementSize)
            throw new ArgumentException($"Initializer '{name}': {raw.Length / elementSize} values for shape [{string.Join(", ", dims)}].");
        Claim(name);
        var bytes = raw.ToArray();
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < bytes.Length; i += elementSize) Array.Reverse(bytes, i, elementSize);
        var t = new ProtoMessage();
        foreach (var d in dims) t.Varint(1, d);
        t.Varint(2, dataType).String(8, name).Bytes(9, bytes);
        initializers.Add(t);
        return name;
    }

    /// <summary>Adds a node; returns the name of its (single) output, <paramref name="output"/> if given.</summary>
    public string Node(string opType, IReadOnlyList<string> nodeInputs, string? output = null, params OnnxAttribute[] attributes)
    {
        var name = output ?? Fresh(opType);
        Claim(name);
        var n = new ProtoMessage();
        foreach (var i in nodeInputs) n.String(1, i);
        n.String(2, name).String(3, $"nice/{opType}_{counter++}").String(4, opType);
        foreach (var a in attributes)
        {
            var attr = new ProtoMessage().String(1, a.Name);
            if (a.Int is long i) attr.Varint(3, i).Varint(20, 2);
            else if (a.Float is float f) attr.Float(2, f).Varint(20, 1);
            else throw new ArgumentException($"Attribute '{a.Name}' has no value.");
            n.Message(5, attr);
        }
        nodes.Add(n);
        return name;
    }

    /// <summary>Shorthand for a node without attributes.</summary>
    public string Node(string opType, params string[] nodeInputs) => Node(opType, nodeInputs, null);

    /// <summary>Declares a float graph input; a null dimension is the symbolic batch size "N".</summary>
    public void Input(string name, params long?[] dims)
    {
        Claim(name);
        inputs.Add(ValueInfo(name, dims));
    }

    /// <summary>Declares a float graph output (already produced by a node named so).</summary>
    public void Output(string name, params long?[] dims) => outputs.Add(ValueInfo(name, dims));

    private static ProtoMessage ValueInfo(string name, long?[] dims)
    {
        var shape = new ProtoMessage();
        foreach (var d in dims)
            shape.Message(1, d is long v ? new ProtoMessage().Varint(1, v) : new ProtoMessage().String(2, "N"));
        var tensorType = new ProtoMessage().Varint(1, FloatType).Message(2, shape);
        return new ProtoMessage().String(1, name).Message(2, new ProtoMessage().Message(1, tensorType));
    }

    /// <summary>Serializes the ModelProto with the given metadata_props, in the given order.</summary>
    public byte[] Build(string graphName, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        var graph = new ProtoMessage();
        foreach (var n in nodes) graph.Message(1, n);
        graph.String(2, graphName);
        foreach (var t in initializers) graph.Message(5, t);
        foreach (var i in inputs) graph.Message(11, i);
        foreach (var o in outputs) graph.Message(12, o);
        var model = new ProtoMessage()
            .Varint(1, IrVersion)
            .String(2, "Nice.MLNet")
            .Message(7, graph)
            .Message(8, new ProtoMessage().String(1, "").Varint(2, Opset));
        foreach (var (k, v) in metadata) model.Message(14, new ProtoMessage().String(1, k).String(2, v));
        return model.ToByteArray();
    }

    /// <summary>An unused name under the <c>nice/</c> prefix (claimed by the caller).</summary>
    private string Fresh(string stem)
    {
        string name;
        do name = $"nice/{stem}_{counter++}"; while (names.Contains(name));
        return name;
    }

    private void Claim(string name)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("ONNX value names must not be empty.");
        if (!names.Add(name)) throw new ArgumentException($"The ONNX value name '{name}' is used twice.");
    }
}
