using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Nice.MLNet.Onnx.Proto;

namespace Nice.MLNet.Onnx;

/// <summary>
/// Builds one ONNX model (default domain, opset <see cref="Opset"/>) node by node as the messages generated from
/// <c>Onnx/Proto/onnx_subset.proto</c>, and serializes it with Google.Protobuf. Intermediate values get unique names
/// under the <c>nice/</c> prefix.
/// </summary>
internal sealed class OnnxModelBuilder
{
    /// <summary>The default ONNX domain's opset the graphs target (ReduceSum takes its axes as an input).</summary>
    public const int Opset = 17;

    /// <summary>IR version 8 (ONNX 1.10+), the one that goes with opset 17.</summary>
    public const int IrVersion = 8;

    /// <summary>TensorProto.DataType FLOAT.</summary>
    public const int FloatType = 1;

    /// <summary>TensorProto.DataType INT64.</summary>
    public const int Int64Type = 7;

    /// <summary>TensorProto.DataType BOOL.</summary>
    public const int BoolType = 9;

    /// <summary>TensorProto.DataType DOUBLE.</summary>
    public const int DoubleType = 11;

    private readonly GraphProto graph = new();
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private int counter;

    /// <summary>A float32 initializer (raw_data, little-endian). Returns its name.</summary>
    public string Initializer(string name, ReadOnlySpan<float> data, params long[] dims)
        => AddInitializer(name, FloatType, MemoryMarshal.AsBytes(data), sizeof(float), dims);

    /// <summary>An int64 initializer (raw_data, little-endian). Returns its name.</summary>
    public string Initializer(string name, ReadOnlySpan<long> data, params long[] dims)
        => AddInitializer(name, Int64Type, MemoryMarshal.AsBytes(data), sizeof(long), dims);

    /// <summary>A float64 initializer (raw_data, little-endian). Returns its name.</summary>
    public string Initializer(string name, ReadOnlySpan<double> data, params long[] dims)
        => AddInitializer(name, DoubleType, MemoryMarshal.AsBytes(data), sizeof(double), dims);

    /// <summary>An int64 scalar (shape []) constant with a generated name.</summary>
    public string Int64Scalar(long value) => Initializer(Fresh("const"), new[] { value });

    /// <summary>
    /// The initializers added so far, in order: name, TensorProto.DataType and the little-endian raw_data (a view, not
    /// a copy).
    /// </summary>
    public IReadOnlyList<(string Name, int DataType, ReadOnlyMemory<byte> Data)> Initializers()
        => graph.Initializer.Select(t => (t.Name, t.DataType, t.RawData.Memory)).ToList();

    /// <summary>A float32 scalar (shape []) constant with a generated name.</summary>
    public string Scalar(float value) => Initializer(Fresh("const"), new[] { value });

    /// <summary>A float64 scalar (shape []) constant with a generated name.</summary>
    public string Float64Scalar(double value) => Initializer(Fresh("const"), new[] { value });

    /// <summary>x cast to float64 (<paramref name="wide"/>) or float32.</summary>
    public string Cast(string x, bool wide) => Node("Cast", new[] { x }, null, OnnxAttribute.Of("to",
        wide ? DoubleType : FloatType));

    /// <summary>A 1-D int64 constant with a generated name.</summary>
    public string Int64s(params long[] values) => Initializer(Fresh("const"), values, values.Length);

    /// <summary>Copies the values once, into the array raw_data wraps (no further copy until serializing).</summary>
    private string AddInitializer(string name, int dataType, ReadOnlySpan<byte> raw, int elementSize, long[] dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        if (raw.Length != count * elementSize)
            throw new ArgumentException(
                $"Initializer '{name}': {raw.Length / elementSize} values for shape [{string.Join(", ", dims)}].");
        Claim(name);
        var bytes = raw.ToArray();
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < bytes.Length; i += elementSize) Array.Reverse(bytes, i, elementSize);
        var tensor = new TensorProto
        {
            DataType = dataType,
            Name = name,
            RawData = UnsafeByteOperations.UnsafeWrap(bytes),
        };
        tensor.Dims.Add(dims);
        graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node; returns the name of its (single) output, <paramref name="output"/> if given.</summary>
    public string Node(string opType, IReadOnlyList<string> nodeInputs, string? output = null,
        params OnnxAttribute[] attributes)
    {
        var name = output ?? Fresh(opType);
        Claim(name);
        var node = new NodeProto { Name = $"nice/{opType}_{counter++}", OpType = opType };
        node.Input.Add(nodeInputs);
        node.Output.Add(name);
        node.Attribute.Add(attributes.Select(a => a.ToProto()));
        graph.Node.Add(node);
        return name;
    }

    /// <summary>Shorthand for a node without attributes.</summary>
    public string Node(string opType, params string[] nodeInputs) => Node(opType, nodeInputs, null);

    /// <summary>Declares a float graph input; a null dimension is the symbolic batch size "N".</summary>
    public void Input(string name, params long?[] dims)
    {
        Claim(name);
        graph.Input.Add(ValueInfo(name, dims));
    }

    /// <summary>Declares a float graph output (already produced by a node named so).</summary>
    public void Output(string name, params long?[] dims) => graph.Output.Add(ValueInfo(name, dims));

    private static ValueInfoProto ValueInfo(string name, long?[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is long v
                ? new TensorShapeProto.Types.Dimension { DimValue = v }
                : new TensorShapeProto.Types.Dimension { DimParam = "N" });
        var tensor = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = shape };
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }

    /// <summary>
    /// Serializes the ModelProto with the given metadata_props, in the given order. Protobuf writes fields in number
    /// order, so the metadata (field 14) follows the graph (7) and its last entry ends the file.
    /// </summary>
    public byte[] Build(string graphName, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        graph.Name = graphName;
        var model = new ModelProto { IrVersion = IrVersion, ProducerName = "Nice.MLNet" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        var entries = new List<KeyValuePair<string, string>>(metadata);
        // The content hash goes just before the last entry (the format marker), which must stay last. A placeholder of
        // the hash's length first, so the size check below runs before the graph is serialized for the hash.
        int at = Math.Max(0, entries.Count - 1);
        entries.Insert(at, new(NiceOnnxMetadata.ContentHashKey, new string('0', ContentHash.Length)));
        foreach (var (k, v) in entries) model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        long size = model.CalculateSize() + LengthDelimited(GraphSize());
        if (size > int.MaxValue)
            throw new NotSupportedException($"The ONNX model would take {size} bytes; protobuf cannot exceed 2 GB.");
        model.MetadataProps[at].Value = ContentHash.Of(graph.ToByteArray(), entries);
        model.Graph = graph;
        return model.ToByteArray();
    }

    /// <summary>The graph's serialized size, added up in 64 bits (the generated CalculateSize is 32-bit).</summary>
    private long GraphSize()
        => CodedOutputStream.ComputeStringSize(graph.Name) + 1
            + graph.Node.Sum(n => LengthDelimited(n.CalculateSize()))
            + graph.Initializer.Sum(t => LengthDelimited(t.CalculateSize()))
            + graph.Input.Concat(graph.Output).Sum(v => LengthDelimited(v.CalculateSize()));

    /// <summary>A length-delimited field with a one-byte tag (every field number used here is below 16).</summary>
    private static long LengthDelimited(long length) => 1 + CodedOutputStream.ComputeUInt64Size((ulong)length) + length;

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
