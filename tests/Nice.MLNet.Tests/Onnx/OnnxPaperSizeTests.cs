using System;
using System.Diagnostics;
using System.Linq;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.Onnx;

/// <summary>
/// A model of the paper's size (D = 784, 4 couplings × 5 × 1000, about 14M weights, 55 MB of ONNX) through export and
/// read. Besides the round trip it prints what each step cost (best of three: wall time, and the bytes the managed heap
/// allocated on this thread, which counts every copy of the weights; then the process's peak working set, meaningful
/// when this test runs alone), so the protobuf code's cost can be compared:
/// <c>dotnet test -c Release --filter "FullyQualifiedName~OnnxPaperSizeTests" --logger "console;verbosity=detailed"</c>.
/// </summary>
public class OnnxPaperSizeTests
{
    private const int Repeats = 3;
    private readonly ITestOutputHelper output;

    public OnnxPaperSizeTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void PaperSizeModel_RoundTripsThroughOnnx_BitForBit()
    {
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(784, 4, 5, 1000), seed: 5, scale: 0.02);
        long weights = flow.parameters().Sum(p => p.numel());
        byte[] bytes = Array.Empty<byte>();
        var export = Measure(() => bytes = NiceOnnx.ExportForward(flow, Dequantization.Bytes, batched: true));
        var parse = Measure(() => OnnxModelContents.Parse(bytes));
        NiceOnnxModel? model = null;
        var read = Measure(() =>
        {
            model?.Dispose();
            model = NiceOnnx.Read(bytes);
        });
        using (model)
        {
            var expected = flow.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, p) in model!.Flow.named_parameters())
                Assert.True(p.allclose(expected[name], rtol: 0, atol: 0), $"parameter {name} differs after the round trip");
            Assert.Equal(bytes, NiceOnnx.ExportForward(model.Flow, model.Dequantization, model.Batched, model.Metadata));
        }
        output.WriteLine($"{weights} weights, {bytes.Length / 1e6:0.0} MB of ONNX (best of {Repeats})");
        output.WriteLine($"export: {export.Seconds * 1000:0} ms, {export.Allocated / 1e6:0} MB allocated");
        output.WriteLine($"parse:  {parse.Seconds * 1000:0} ms, {parse.Allocated / 1e6:0} MB allocated (the protobuf part of read)");
        output.WriteLine($"read:   {read.Seconds * 1000:0} ms, {read.Allocated / 1e6:0} MB allocated");
        output.WriteLine($"peak working set of the process: {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0} MB");
    }

    /// <summary>The best wall time and the fewest bytes allocated on this thread over <see cref="Repeats"/> runs.</summary>
    private static (double Seconds, long Allocated) Measure(Action action)
    {
        double seconds = double.MaxValue;
        long allocated = long.MaxValue;
        for (int i = 0; i < Repeats; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            action();
            seconds = Math.Min(seconds, watch.Elapsed.TotalSeconds);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return (seconds, allocated);
    }
}
