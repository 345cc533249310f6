using System;
using System.IO;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.Onnx;

/// <summary>Damaged exports: the reader either rebuilds a flow or throws <see cref="InvalidDataException"/>, never anything else.</summary>
public class OnnxFuzzTests
{
    private readonly ITestOutputHelper output;

    public OnnxFuzzTests(ITestOutputHelper output) => this.output = output;

    private static readonly FlowConfig Tiny = TestConfig.Nice(3, Couplings: 2, HiddenLayers: 1, HiddenWidth: 2);

    [Fact]
    public void Read_OfEveryTruncation_ThrowsInvalidData()
    {
        using var flow = TestUtil.RandomFlow(Tiny, seed: 31);
        var bytes = NiceOnnx.ExportForward(flow, Dequantization.Bytes, batched: false);
        for (int length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(bytes.AsSpan(0, length).ToArray()));
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
    }

    [Fact]
    public void Read_OfCorruptedBytes_RebuildsOrThrowsInvalidData()
    {
        using var flow = TestUtil.RandomFlow(Tiny, seed: 32);
        // Without the content hash (as files saved before it existed), so damage to the weights can reach the reader.
        var bytes = OnnxEdits.WithoutHash(NiceOnnx.ExportInverse(flow, null, batched: true));
        var random = new Random(32);
        int refused = 0, read = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            var damaged = (byte[])bytes.Clone();
            int flips = 1 + random.Next(4);
            for (int f = 0; f < flips; f++) damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            try
            {
                using var model = NiceOnnx.Read(damaged);
                read++;
            }
            catch (InvalidDataException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                if (refused++ < 8) output.WriteLine(e.Message);
            }
        }
        output.WriteLine($"{read} damaged models read (damage in weights or ignored fields), {refused} refused");
        Assert.True(refused > 0 && read > 0, $"{read} read, {refused} refused: the damage should hit both weights and structure");
    }

    [Fact]
    public void Read_OfAnyDamageToAHashedModel_IsRefused()
    {
        using var flow = TestUtil.RandomFlow(Tiny, seed: 33);
        var bytes = NiceOnnx.ExportInverse(flow, null, batched: true);
        var random = new Random(33);
        int unchanged = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            var damaged = (byte[])bytes.Clone();
            int flips = 1 + random.Next(4);
            for (int f = 0; f < flips; f++) damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            if (damaged.AsSpan().SequenceEqual(bytes)) { unchanged++; continue; }
            var e = Assert.Throws<InvalidDataException>(() => NiceOnnx.Read(damaged).Dispose());
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
        output.WriteLine($"{400 - unchanged} damaged copies, all refused ({unchanged} draws changed nothing)");
    }
}
