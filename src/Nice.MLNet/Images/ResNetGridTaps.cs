using System;
using System.Collections.Generic;
using System.IO;
using Google.Protobuf;

namespace Nice.MLNet.Images;

/// <summary>
/// ResNet-18 of <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.23.1 with two more graph outputs: the last ReLU of
/// layer2 (128 × 28 × 28) and of layer3 (256 × 14 × 14) averaged over 7 × 7 cells (AveragePool, kernel 7, stride 7), a
/// 4 × 4 and a 2 × 2 grid of cell means, beside the network's own 512-d global average pool. The nodes and outputs are
/// appended to the serialized graph (protobuf merges a repeated field written twice by appending), so every byte of
/// the package's model is kept; the new nodes read tensors the graph already computes, so the order stays
/// topological. Tensor names read from the model (docs/image-features-design.md §10).
/// onnx.proto: ModelProto.graph = 7; GraphProto.node = 1, output = 12; NodeProto input = 1, output = 2, name = 3,
/// op_type = 4, attribute = 5; AttributeProto name = 1, ints = 8, type = 20 (INTS = 7); ValueInfoProto name = 1,
/// type = 2; TypeProto.tensor_type = 1; Tensor elem_type = 1 (FLOAT = 1), shape = 2; TensorShapeProto.dim = 1;
/// Dimension dim_value = 1.
/// </summary>
internal static class ResNetGridTaps
{
    /// <summary>One block of the grid features: the ONNX output, its channels and grid side (values = C · g²).</summary>
    public sealed record Block(string Output, int Channels, int Grid)
    {
        public int Values => Channels * Grid * Grid;
    }

    /// <summary>The input of ResNet18.onnx and of its preprocessing model, and their outputs.</summary>
    public const string PreprocessInput = "OriginalInput", PreprocessOutput = "PreprocessedInput",
        NetworkInput = "Input247", PoolOutput = "Pooling395_Output_0";

    private static readonly (string Tensor, int Channels, int Kernel, int Grid)[] Taps =
    {
        ("ReLU315_Output_0", 128, 7, 4),   // layer2
        ("ReLU347_Output_0", 256, 7, 2),   // layer3
    };

    /// <summary>layer2 4 × 4 (2,048 values), layer3 2 × 2 (1,024), the global pool (512), in that order.</summary>
    public static readonly Block[] Blocks =
    {
        new(OutputOf(Taps[0].Tensor), 128, 4), new(OutputOf(Taps[1].Tensor), 256, 2), new(PoolOutput, 512, 1),
    };

    private static string OutputOf(string tensor) => tensor + "_grid";

    /// <summary>The package's ResNet18.onnx bytes with the grid outputs added. Throws
    /// <see cref="InvalidDataException"/> when the model has no graph or lacks a tapped tensor.</summary>
    public static byte[] AddGridOutputs(byte[] model)
    {
        bool seen = false;
        var patched = Rewrite(model, (field, graph) =>
        {
            if (field != 7) return null;
            seen = true;
            foreach (var (tensor, _, _, _) in Taps)
                if (graph.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(tensor)) < 0)
                    throw new InvalidDataException($"ResNet18.onnx has no tensor '{tensor}': the grid features are "
                        + $"defined for {NiceImageFeatures.ResNet18Package} 0.23.1's model.");
            using var memory = new MemoryStream();
            memory.Write(graph);
            var o = new CodedOutputStream(memory);
            foreach (var (tensor, channels, kernel, grid) in Taps)
            {
                Bytes(o, 1, Message(n =>
                {
                    String(n, 1, tensor);
                    String(n, 2, OutputOf(tensor));
                    String(n, 3, "NiceGridTap_" + tensor);
                    String(n, 4, "AveragePool");
                    foreach (var attribute in new[] { "kernel_shape", "strides" })
                        Bytes(n, 5, Message(a =>
                        {
                            String(a, 1, attribute);
                            foreach (long v in new long[] { kernel, kernel })
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
                    String(v, 1, OutputOf(tensor));
                    Bytes(v, 2, Message(t => Bytes(t, 1, Message(tt =>
                    {
                        tt.WriteTag(1, WireFormat.WireType.Varint);
                        tt.WriteInt32(1);
                        Bytes(tt, 2, Message(shape =>
                        {
                            foreach (long d in new long[] { 1, channels, grid, grid })
                                Bytes(shape, 1, Message(x =>
                                {
                                    x.WriteTag(1, WireFormat.WireType.Varint);
                                    x.WriteInt64(d);
                                }));
                        }));
                    }))));
                }));
            }
            o.Flush();
            return memory.ToArray();
        });
        return seen ? patched : throw new InvalidDataException("ResNet18.onnx: no graph (ModelProto field 7).");
    }

    /// <summary>Copies a message field by field; a length-delimited field is replaced by what
    /// <paramref name="replace"/> returns, unless null.</summary>
    private static byte[] Rewrite(byte[] message, Func<int, byte[], byte[]?> replace)
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
