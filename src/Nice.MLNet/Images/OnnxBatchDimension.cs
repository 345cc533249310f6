using System.IO;
using Google.Protobuf;

namespace Nice.MLNet.Images;

/// <summary>
/// Makes a fixed-batch ONNX model batchable without parsing it: the first dimension of every graph input, output and
/// value_info whose shape starts with a literal 1 becomes the symbolic dimension <see cref="Parameter"/>. Valid for
/// graphs whose operators treat the batch axis independently (ResNet-18 of the featurizer package and its
/// preprocessing graph: Conv, BatchNormalization, Relu, MaxPool, Add, AveragePool, Split/Concat on axis 1, Sub
/// broadcasting a [1, 3, 224, 224] mean image), not for graphs that reshape with a hard-coded batch size.
/// onnx.proto: ModelProto.graph = 7; GraphProto.input = 11, output = 12, value_info = 13; ValueInfoProto.type = 2;
/// TypeProto.tensor_type = 1; TypeProto.Tensor.shape = 2; TensorShapeProto.dim = 1; Dimension dim_value = 1,
/// dim_param = 2.
/// </summary>
internal static class OnnxBatchDimension
{
    /// <summary>The symbolic batch dimension's name.</summary>
    public const string Parameter = "N";

    /// <summary><paramref name="model"/> with its batch dimension made symbolic.</summary>
    public static byte[] MakeSymbolic(byte[] model)
        => OnnxPooledOutputs.Rewrite(model, (n, graph) => n == 7
            ? OnnxPooledOutputs.Rewrite(graph, (g, info) => g is 11 or 12 or 13
                ? OnnxPooledOutputs.Rewrite(info, ValueInfoField) : null)
            : null);

    private static byte[]? ValueInfoField(int number, byte[] value)
        => number == 2
            ? OnnxPooledOutputs.Rewrite(value, (t, tensor) => t == 1
                ? OnnxPooledOutputs.Rewrite(tensor, (k, shape) => k == 2 ? FirstDimensionSymbolic(shape) : null)
                : null)
            : null;

    private static byte[] FirstDimensionSymbolic(byte[] shape)
    {
        bool first = true;
        return OnnxPooledOutputs.Rewrite(shape, (n, dim) =>
        {
            if (n != 1 || !first) return null;
            first = false;
            var input = new CodedInputStream(dim);
            uint tag = input.ReadTag();
            if (WireFormat.GetTagFieldNumber(tag) != 1 || input.ReadInt64() != 1) return null;   // only a literal 1
            using var memory = new MemoryStream();
            var output = new CodedOutputStream(memory);
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteString(Parameter);
            output.Flush();
            return memory.ToArray();
        });
    }
}
