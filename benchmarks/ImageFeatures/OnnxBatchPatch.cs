using System;
using System.IO;
using Google.Protobuf;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// Makes a fixed-batch ONNX model batchable: the first dimension of every graph input, output and value_info whose shape starts
/// with 1 becomes the symbolic dimension "N". Valid for graphs whose operators treat the batch axis independently (ResNet-18 and
/// its preprocessing model here: Conv, BatchNormalization, Relu, MaxPool, Add, AveragePool, Split/Concat on axis 1, Sub broadcasting
/// a [1,3,224,224] mean image) — not for graphs that reshape with a hard-coded batch size.
/// onnx.proto: ModelProto.graph = 7; GraphProto.input = 11, output = 12, value_info = 13; ValueInfoProto.type = 2;
/// TypeProto.tensor_type = 1; TypeProto.Tensor.shape = 2; TensorShapeProto.dim = 1; Dimension.dim_value = 1, dim_param = 2.
/// </summary>
public static class OnnxBatchPatch
{
    public static byte[] SymbolicBatch(byte[] model)
        => Rewrite(model, (n, s) => n == 7 ? Rewrite(s, (g, v) => g is 11 or 12 or 13 ? Rewrite(v, ValueInfoField) : null) : null);

    private static byte[]? ValueInfoField(int number, byte[] value)
        => number == 2 ? Rewrite(value, (t, tensor) => t == 1 ? Rewrite(tensor, (k, shape) => k == 2 ? FirstDimSymbolic(shape) : null) : null) : null;

    private static byte[] FirstDimSymbolic(byte[] shape)
    {
        bool first = true;
        return Rewrite(shape, (n, dim) =>
        {
            if (n != 1 || !first) return null;
            first = false;
            var input = new CodedInputStream(dim);
            uint tag = input.ReadTag();
            if (WireFormat.GetTagFieldNumber(tag) != 1 || input.ReadInt64() != 1) return null; // only a literal batch of 1
            using var memory = new MemoryStream();
            var output = new CodedOutputStream(memory);
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteString("N");
            output.Flush();
            return memory.ToArray();
        });
    }

    private static byte[] Rewrite(byte[] message, Func<int, byte[], byte[]?> replace) => Nice.MLNet.Images.OnnxPooledOutputs.Rewrite(message, replace);
}
