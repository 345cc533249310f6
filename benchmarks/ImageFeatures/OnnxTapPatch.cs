using System;
using System.Collections.Generic;
using System.IO;
using Google.Protobuf;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// Adds graph outputs to an ONNX model: for each named intermediate tensor (N x C x H x W), a GlobalAveragePool node and a
/// graph output "&lt;name&gt;_gap" of shape [N, C, 1, 1]. The nodes are appended after the existing ones (they read tensors the
/// graph already computes, so the order stays topological); appending repeated fields to a serialized message is how protobuf
/// merges, so the rest of the model is copied byte for byte.
/// onnx.proto: ModelProto.graph = 7; GraphProto.node = 1, output = 12; NodeProto input = 1, output = 2, name = 3, op_type = 4;
/// ValueInfoProto name = 1, type = 2; TypeProto.tensor_type = 1; Tensor elem_type = 1 (FLOAT = 1), shape = 2; dim = 1;
/// Dimension dim_value = 1, dim_param = 2; NodeProto.attribute = 5; AttributeProto name = 1, ints = 8, type = 20 (INTS = 7).
/// </summary>
public static class OnnxTapPatch
{
    public static string OutputOf(string tensor, int kernel = 0) => tensor + (kernel == 0 ? "_gap" : $"_avg{kernel}");

    /// <summary>
    /// Kernel 0: GlobalAveragePool, output [N, C, 1, 1]. Kernel k: AveragePool with a k x k kernel and stride k (a coarse
    /// grid of cell means, output [N, C, grid, grid]; the caller gives grid = H / k).
    /// </summary>
    public static byte[] AddPooledOutputs(byte[] model, IReadOnlyList<(string Tensor, int Channels, int Kernel, int Grid)> taps)
    {
        bool seen = false;
        var patched = OnnxBatchPatch.Rewrite(model, (n, graph) =>
        {
            if (n != 7) return null;
            seen = true;
            using var memory = new MemoryStream();
            memory.Write(graph);
            var output = new CodedOutputStream(memory);
            foreach (var (tensor, channels, kernel, grid) in taps)
            {
                output.WriteTag(1, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(Message(o =>
                {
                    String(o, 1, tensor);
                    String(o, 2, OutputOf(tensor, kernel));
                    String(o, 3, "Tap_" + OutputOf(tensor, kernel));
                    String(o, 4, kernel == 0 ? "GlobalAveragePool" : "AveragePool");
                    if (kernel > 0)
                        foreach (var attribute in new[] { "kernel_shape", "strides" })
                            Bytes(o, 5, Message(a =>
                            {
                                String(a, 1, attribute);
                                foreach (long v in new long[] { kernel, kernel }) { a.WriteTag(8, WireFormat.WireType.Varint); a.WriteInt64(v); }
                                a.WriteTag(20, WireFormat.WireType.Varint);
                                a.WriteInt32(7); // AttributeProto.type = INTS
                            }));
                }));
                output.WriteTag(12, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(Message(o =>
                {
                    String(o, 1, OutputOf(tensor, kernel));
                    Bytes(o, 2, Message(t => Bytes(t, 1, Message(tt =>
                    {
                        tt.WriteTag(1, WireFormat.WireType.Varint);
                        tt.WriteInt32(1);
                        Bytes(tt, 2, Message(shape =>
                        {
                            Bytes(shape, 1, Message(d => String(d, 2, "N")));
                            foreach (long v in new long[] { channels, grid, grid })
                                Bytes(shape, 1, Message(d => { d.WriteTag(1, WireFormat.WireType.Varint); d.WriteInt64(v); }));
                        }));
                    }))));
                }));
            }
            output.Flush();
            return memory.ToArray();
        });
        return seen ? patched : throw new InvalidDataException("ONNX model without a graph (field 7).");
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
