using System;
using System.Collections.Generic;
using System.IO;
using Google.Protobuf;

namespace Nice.MLNet.Images;

/// <summary>
/// Adds graph outputs to a serialized ONNX model without parsing it: for each named intermediate tensor
/// (N × C × H × W), a pooling node and a graph output. Kernel 0: GlobalAveragePool, output [N, C, 1, 1]; kernel k:
/// AveragePool with a k × k kernel and stride k, a grid of cell means [N, C, grid, grid] (the caller gives
/// grid = H / k). The nodes and outputs are appended to the graph field: protobuf merges a repeated field written twice
/// by appending, so every other byte of the model is copied as it was, and the new nodes read tensors the graph already
/// computes, so the node order stays topological.
/// onnx.proto: ModelProto.graph = 7; GraphProto.node = 1, output = 12; NodeProto input = 1, output = 2, name = 3,
/// op_type = 4, attribute = 5; AttributeProto name = 1, ints = 8, type = 20 (INTS = 7); ValueInfoProto name = 1,
/// type = 2; TypeProto.tensor_type = 1; Tensor elem_type = 1 (FLOAT = 1), shape = 2; TensorShapeProto.dim = 1;
/// Dimension dim_value = 1, dim_param = 2.
/// </summary>
internal static class OnnxPooledOutputs
{
    /// <summary>A tapped tensor: its name, channels, pooling kernel (0 = global), the resulting grid side and the
    /// stride (0 = the kernel).</summary>
    public readonly record struct Tap(string Tensor, int Channels, int Kernel, int Grid, int Stride = 0);

    /// <summary>The graph output a tap adds: "&lt;tensor&gt;_gap" (global), "&lt;tensor&gt;_avg&lt;k&gt;" (stride k) or
    /// "&lt;tensor&gt;_avg&lt;k&gt;s&lt;s&gt;".</summary>
    public static string OutputOf(string tensor, int kernel, int stride = 0) => tensor + (kernel == 0 ? "_gap"
        : stride == 0 || stride == kernel ? $"_avg{kernel}" : $"_avg{kernel}s{stride}");

    /// <summary>
    /// <paramref name="model"/> with the taps' pooling nodes and outputs added; the outputs' batch dimension is
    /// 1, or the symbolic <paramref name="batchParameter"/> (for a model whose batch was made symbolic). Throws
    /// <see cref="InvalidDataException"/> when the model has no graph or does not mention a tapped tensor.
    /// </summary>
    public static byte[] Add(byte[] model, IReadOnlyList<Tap> taps, string? batchParameter = null)
    {
        bool seen = false;
        var patched = Rewrite(model, (field, graph) =>
        {
            if (field != 7) return null;
            seen = true;
            foreach (var tap in taps)
                if (graph.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(tap.Tensor)) < 0)
                    throw new InvalidDataException($"The ONNX graph has no tensor '{tap.Tensor}'.");
            using var memory = new MemoryStream();
            memory.Write(graph);
            var o = new CodedOutputStream(memory);
            foreach (var (tensor, channels, kernel, grid, strideOrZero) in taps)
            {
                int stride = strideOrZero == 0 ? kernel : strideOrZero;
                Bytes(o, 1, Message(n =>
                {
                    String(n, 1, tensor);
                    String(n, 2, OutputOf(tensor, kernel, stride));
                    String(n, 3, "Tap_" + OutputOf(tensor, kernel, stride));
                    String(n, 4, kernel == 0 ? "GlobalAveragePool" : "AveragePool");
                    if (kernel > 0)
                        foreach (var attribute in new[] { "kernel_shape", "strides" })
                            Bytes(n, 5, Message(a =>
                            {
                                String(a, 1, attribute);
                                long v1 = attribute == "strides" ? stride : kernel;
                                foreach (long v in new long[] { v1, v1 })
                                {
                                    a.WriteTag(8, WireFormat.WireType.Varint);
                                    a.WriteInt64(v);
                                }
                                a.WriteTag(20, WireFormat.WireType.Varint);
                                a.WriteInt32(7);
                            }));
                }));
                Bytes(o, 12, Message(v =>
                {
                    String(v, 1, OutputOf(tensor, kernel, stride));
                    Bytes(v, 2, Message(t => Bytes(t, 1, Message(tt =>
                    {
                        tt.WriteTag(1, WireFormat.WireType.Varint);
                        tt.WriteInt32(1);
                        Bytes(tt, 2, Message(shape =>
                        {
                            Bytes(shape, 1, Message(d =>
                            {
                                if (batchParameter is null)
                                {
                                    d.WriteTag(1, WireFormat.WireType.Varint);
                                    d.WriteInt64(1);
                                }
                                else String(d, 2, batchParameter);
                            }));
                            foreach (long size in new long[] { channels, grid, grid })
                                Bytes(shape, 1, Message(d =>
                                {
                                    d.WriteTag(1, WireFormat.WireType.Varint);
                                    d.WriteInt64(size);
                                }));
                        }));
                    }))));
                }));
            }
            o.Flush();
            return memory.ToArray();
        });
        return seen ? patched : throw new InvalidDataException("The ONNX model has no graph (ModelProto field 7).");
    }

    /// <summary>Copies a message field by field; a length-delimited field is replaced by what
    /// <paramref name="replace"/> returns, unless null.</summary>
    public static byte[] Rewrite(byte[] message, Func<int, byte[], byte[]?> replace)
    {
        var input = new CodedInputStream(message);
        using var memory = new MemoryStream();
        var output = new CodedOutputStream(memory);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int number = WireFormat.GetTagFieldNumber(tag);
            var wire = WireFormat.GetTagWireType(tag);
            output.WriteTag(tag);
            switch (wire)
            {
                case WireFormat.WireType.Varint: output.WriteUInt64(input.ReadUInt64()); break;
                case WireFormat.WireType.Fixed32: output.WriteFixed32(input.ReadFixed32()); break;
                case WireFormat.WireType.Fixed64: output.WriteFixed64(input.ReadFixed64()); break;
                case WireFormat.WireType.LengthDelimited:
                    var bytes = input.ReadBytes().ToByteArray();
                    output.WriteBytes(ByteString.CopyFrom(replace(number, bytes) ?? bytes));
                    break;
                default: throw new InvalidDataException($"ONNX protobuf: wire type {wire} in field {number}.");
            }
        }
        output.Flush();
        return memory.ToArray();
    }

    private static ByteString Message(Action<CodedOutputStream> write)
    {
        using var memory = new MemoryStream();
        var output = new CodedOutputStream(memory);
        write(output);
        output.Flush();
        return ByteString.CopyFrom(memory.ToArray());
    }

    private static void String(CodedOutputStream o, int field, string value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(value);
    }

    private static void Bytes(CodedOutputStream o, int field, ByteString value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(value);
    }
}
