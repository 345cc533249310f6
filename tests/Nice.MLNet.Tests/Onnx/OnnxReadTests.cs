using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;
using Nice.MLNet.Onnx.Proto;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Onnx;

/// <summary>Reading ONNX bytes back into a flow: the exporter's output round-trips; anything else is refused with a reason.</summary>
public class OnnxReadTests
{
    private static readonly FlowConfig Small = new(7, Couplings: 3, HiddenLayers: 2, HiddenWidth: 12, NiceActivation.LeakyReLU, NicePartition.Contiguous, NicePrior.Gaussian);

    private static readonly Dictionary<string, string> UserMetadata = new() { ["trainer"] = "unit test", ["bits/dim"] = "1.2345", ["empty"] = "" };

    /// <summary>Bit-for-bit equal tensors of the same shape.</summary>
    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.allclose(b, rtol: 0, atol: 0);

    [Theory]
    [InlineData(false, false, true)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, true, true)]
    public void Read_OfExport_RebuildsTheSameFlow(bool inverse, bool dequantize, bool batched)
    {
        using var scope = NewDisposeScope();
        using var flow = TestUtil.RandomFlow(Small, seed: 21, scale: 0.4);
        var dq = dequantize ? new Dequantization(32, 0.25, 2.0) : null;
        var bytes = inverse
            ? NiceOnnx.ExportInverse(flow, dq, batched, UserMetadata, "Z", "X")
            : NiceOnnx.ExportForward(flow, dq, batched, UserMetadata, "X", "Z", "LL");

        using var model = NiceOnnx.Read(new MemoryStream(bytes));
        Assert.Equal(flow.Config, model.Flow.Config);
        Assert.Equal(dq, model.Dequantization);
        Assert.Equal(UserMetadata.OrderBy(e => e.Key), model.Metadata.OrderBy(e => e.Key));
        Assert.Equal(inverse ? NiceGraphKind.Inverse : NiceGraphKind.Forward, model.Graph);
        Assert.Equal(batched, model.Batched);
        Assert.Equal(new[] { inverse ? "Z" : "X" }, model.InputNames);
        Assert.Equal(inverse ? new[] { "X" } : new[] { "Z", "LL" }, model.OutputNames);

        var expected = flow.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in model.Flow.named_parameters())
            Assert.True(Same(p, expected[name]), $"parameter {name} differs after the round trip");
        using var _ = no_grad();
        var x = randn(new long[] { 16, Small.Dimension }, generator: new Generator(3));
        Assert.True(Same(model.Flow.LogLikelihood(x), flow.LogLikelihood(x)), "the rebuilt flow's log-likelihood differs");
        Assert.True(Same(model.Flow.Inverse(x), flow.Inverse(x)), "the rebuilt flow's inverse differs");
    }

    [Fact]
    public void Read_OfRebuiltFlowExport_GivesTheSameBytes()
    {
        using var flow = TestUtil.RandomFlow(Small, seed: 22, scale: 0.4);
        var bytes = NiceOnnx.ExportForward(flow, Dequantization.Bytes, batched: false, UserMetadata);
        using var model = NiceOnnx.Read(bytes);
        Assert.Equal(bytes, NiceOnnx.ExportForward(model.Flow, model.Dequantization, model.Batched, model.Metadata));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Read_RefusesRandomBytes(int seed)
    {
        var bytes = new byte[1000 * seed];
        new Random(seed).NextBytes(bytes);
        var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(bytes));
        Assert.Contains("ONNX", e.Message);
    }

    [Fact]
    public void Read_RefusesEmptyInput()
    {
        var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(Array.Empty<byte>()));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Read_RefusesTruncatedModel()
    {
        using var flow = TestUtil.RandomFlow(Small, seed: 23);
        var bytes = NiceOnnx.ExportForward(flow, null, batched: true);
        foreach (var length in new[] { bytes.Length / 2, bytes.Length - 40, 3 })
        {
            var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(bytes.AsSpan(0, length).ToArray()));
            Assert.Contains("truncated", e.Message);
        }
    }

    [Fact]
    public void Export_EndsWithTheFormatMarker_SoEveryTruncationLosesIt()
    {
        using var flow = TestUtil.RandomFlow(Small, seed: 30);
        var bytes = NiceOnnx.ExportForward(flow, null, batched: true, UserMetadata);
        var marker = new StringStringEntryProto
        {
            Key = NiceOnnxMetadata.FormatKey,
            Value = NiceOnnxMetadata.FormatFor(Small),
        };
        var lastField = new ModelProto { MetadataProps = { marker } }.ToByteArray();
        Assert.True(bytes.AsSpan().EndsWith(lastField), "the format marker should be the last field of the file");
    }

    [Fact]
    public void Read_OfWeightsStoredAsFloatData_RebuildsTheSameFlow()
    {
        using var flow = TestUtil.RandomFlow(Small, seed: 31);
        var model = ModelProto.Parser.ParseFrom(NiceOnnx.ExportForward(flow, null, batched: true));
        int moved = 0;
        foreach (var t in model.Graph.Initializer.Where(t => t.DataType == OnnxModelBuilder.FloatType))
        {
            t.FloatData.Add(MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray());
            t.ClearRawData();
            moved++;
        }
        Assert.True(moved > 0, "the export should hold float initializers");

        using var read = NiceOnnx.Read(OnnxEdits.Rehashed(model));
        foreach (var ((name, p), (_, q)) in read.Flow.named_parameters().Zip(flow.named_parameters()))
            Assert.True(Same(p, q), name);
    }

    [Fact]
    public void Read_SkipsFieldsItDoesNotUse()
    {
        using var flow = TestUtil.RandomFlow(Small, seed: 32);
        var bytes = NiceOnnx.ExportForward(flow, null, batched: true);
        // ModelProto.doc_string (6) and model_version (5): valid ONNX that this library neither writes nor reads.
        var extra = new byte[] { 0x32, 3, (byte)'d', (byte)'o', (byte)'c', 0x28, 42 };
        using var read = NiceOnnx.Read(extra.Concat(bytes).ToArray());
        Assert.Equal(flow.Config, read.Flow.Config);
        foreach (var ((name, p), (_, q)) in read.Flow.named_parameters().Zip(flow.named_parameters()))
            Assert.True(Same(p, q), name);
    }

    [Fact]
    public void Read_RefusesValidOnnxWithoutTheMarker()
    {
        var b = new OnnxModelBuilder();
        b.Input("X", null, 3);
        b.Node("Identity", new[] { "X" }, "Y");
        b.Output("Y", null, 3);
        var bytes = b.Build("plain", new[] { new KeyValuePair<string, string>("author", "someone else") });
        var ran = Ort.Once(bytes, "X", new float[] { 1, 2, 3 }, 1, 3);
        Assert.Equal(new float[] { 1, 2, 3 }, ran["Y"].Values); // it really is a valid ONNX model

        var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(bytes));
        Assert.Contains("nice.format", e.Message);
    }

    /// <summary>An ONNX model with the exporter's metadata for <paramref name="config"/> and the given initializers.</summary>
    private static byte[] Handmade(FlowConfig config, IEnumerable<(string Name, float[] Values, long[] Dims)> initializers)
    {
        var b = new OnnxModelBuilder();
        foreach (var (name, values, dims) in initializers) b.Initializer(name, values, dims);
        b.Input("X", null, config.Dimension);
        b.Node("Identity", new[] { "X" }, "Y");
        b.Output("Y", null, config.Dimension);
        return b.Build("handmade", NiceOnnxMetadata.Compose(config, null, NiceGraphKind.Forward, true, null));
    }

    private static List<(string Name, float[] Values, long[] Dims)> Weights(NiceFlow flow)
        => flow.named_parameters().Select(p => (p.name, p.parameter.data<float>().ToArray(), p.parameter.shape)).ToList();

    [Fact]
    public void Read_OfHandmadeModelWithAllWeights_Works()
    {
        using var flow = TestUtil.RandomFlow(Small, seed: 24);
        using var model = NiceOnnx.Read(Handmade(Small, Weights(flow)));
        foreach (var ((name, p), (_, q)) in model.Flow.named_parameters().Zip(flow.named_parameters()))
            Assert.True(Same(p, q), name);
    }

    [Fact]
    public void Read_RefusesMissingWeight()
    {
        using var flow = TestUtil.RandomFlow(Small, seed: 25);
        var weights = Weights(flow);
        var dropped = weights.Single(w => w.Name.EndsWith("1.m.layers.output.bias", StringComparison.Ordinal));
        weights.Remove(dropped);
        weights.Add(("padding", new float[dropped.Values.Length], new long[] { dropped.Values.Length })); // same float count, wrong name
        var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(Handmade(Small, weights)));
        Assert.Contains($"lacks the weight '{dropped.Name}'", e.Message);
    }

    [Fact]
    public void Read_RefusesWeightOfWrongShape()
    {
        using var flow = TestUtil.RandomFlow(Small, seed: 26);
        var weights = Weights(flow);
        int i = weights.FindIndex(w => w.Name.EndsWith("0.m.layers.linear1.weight", StringComparison.Ordinal));
        var w = weights[i];
        weights[i] = (w.Name, w.Values, w.Dims.Reverse().ToArray());
        if (w.Dims[0] == w.Dims[1]) weights[i] = (w.Name, w.Values.Concat(new float[w.Dims[0]]).ToArray(), new[] { w.Dims[0] + 1, w.Dims[1] });
        var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(Handmade(Small, weights)));
        Assert.Contains($"'{w.Name}' has shape", e.Message);
    }

    [Fact]
    public void Read_RefusesWeightWhoseDataDoesNotFillItsShape()
    {
        using var flow = TestUtil.RandomFlow(Small, seed: 27);
        var weights = Weights(flow);
        int i = weights.FindIndex(w => w.Name.EndsWith(".s", StringComparison.Ordinal));
        var bytes = Handmade(Small, weights);
        // Rewrite the scaling vector's dims in place: a 1-D dim D becomes D+1 (same varint length), so raw_data is short.
        var contents = OnnxModelContents.Parse(bytes);
        Assert.Equal(new long[] { Small.Dimension }, contents.Initializers[weights[i].Name].Dims);
        var needle = new byte[] { 0x08, (byte)Small.Dimension, 0x10, 0x01, 0x42, (byte)weights[i].Name.Length };
        int at = bytes.AsSpan().IndexOf(needle);
        Assert.True(at >= 0, "the scaling vector's TensorProto header should be found");
        bytes[at + 1] = (byte)(Small.Dimension + 1);
        var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(bytes));
        Assert.Contains("has shape", e.Message);
    }

    [Fact]
    public void Read_RefusesNonFiniteWeight()
    {
        using var flow = TestUtil.RandomFlow(Small, seed: 29);
        var weights = Weights(flow);
        weights[3].Values[0] = float.NaN;
        var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(Handmade(Small, weights)));
        Assert.Contains($"'{weights[3].Name}' holds a non-finite value", e.Message);
    }

    [Fact]
    public void Read_RefusesConfigThatNeedsMoreWeightsThanStored_BeforeAllocating()
    {
        var huge = TestConfig.Nice(1_000_000, 4, 5, 100_000);
        var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(Handmade(huge, Array.Empty<(string, float[], long[])>())));
        Assert.Contains("needs", e.Message);
    }

    [Theory]
    [InlineData("nice.config", "{not json", "not valid JSON")]
    [InlineData("nice.config", "{\"Dimension\":1}", "at least 2 input dimensions")]
    [InlineData("nice.format", "2", "Unsupported Nice.MLNet ONNX format '2'")]
    [InlineData("nice.graph", "sideways", "expected \"forward\" or \"inverse\"")]
    [InlineData("nice.dequantization", "{\"Levels\":1,\"Step\":1,\"Offset\":0}", "at least 2 levels")]
    public void Read_RefusesBadMetadata(string key, string value, string reason)
    {
        using var flow = TestUtil.RandomFlow(Small, seed: 28);
        var metadata = NiceOnnxMetadata.Compose(Small, null, NiceGraphKind.Forward, true, null)
            .Where(e => e.Key != key).Append(new(key, value));
        var b = new OnnxModelBuilder();
        foreach (var (name, values, dims) in Weights(flow)) b.Initializer(name, values, dims);
        var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(b.Build("bad", metadata)));
        Assert.Contains(reason, e.Message);
    }
}
