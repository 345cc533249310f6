using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;
using Nice.MLNet.Persistence;
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

    /// <summary>
    /// The graph a model zip holds checks its own weights (<see cref="WeightIntegrity"/>): 19M weights, one fingerprint
    /// per chunk of 4,096. ONNX Runtime computes that once, while it creates the session (constant folding), so scoring a
    /// row costs what it cost without the check. Prints the session creation and per-row times (best of a few runs;
    /// rough on a busy machine), and the same through the front door: <c>mlContext.Model.Load</c> of the zip and a
    /// PredictionEngine.
    /// </summary>
    [Fact]
    public void PaperSizeModel_ChecksItsWeightsOnceWhenTheSessionIsCreated_NotPerRow()
    {
        const int d = 784;
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(d, 4, 5, 1000), seed: 5, scale: 0.02);
        byte[] plain, checkedGraph;
        using (var weights = new ModuleWeights(flow))
        {
            plain = NiceOnnx.ExportForward(weights, Dequantization.Bytes, batched: false);
            checkedGraph = NiceOnnx.ExportForward(weights, Dequantization.Bytes, batched: false, null, "Features",
                "Latent", "LogLikelihood", "NiceIntegrity");
        }
        var rng = new Random(3);
        var row = Enumerable.Range(0, d).Select(_ => (float)rng.Next(256)).ToArray();
        // Both sessions timed in turn, run for run, so that other work on the machine weighs on both alike.
        var timed = TimeSessions(new[] { plain, checkedGraph }, row);
        var (plainCreate, plainRow, plainLl, _) = timed[0];
        var (checkedCreate, checkedRow, checkedLl, integrity) = timed[1];
        Assert.Equal(1f, integrity);
        Assert.Equal(plainLl, checkedLl);
        long chunks = Nice.MLNet.Onnx.Proto.ModelProto.Parser.ParseFrom(checkedGraph).Graph.Initializer
            .Single(t => t.Name == WeightIntegrity.ExpectedName).Dims[0];
        output.WriteLine($"ONNX: {plain.Length / 1e6:0.0} MB without the check, {checkedGraph.Length / 1e6:0.0} MB with "
            + $"({chunks} fingerprints)");
        output.WriteLine($"session creation: {plainCreate * 1000:0} ms without the check, {checkedCreate * 1000:0} ms "
            + "with (best of 2)");
        output.WriteLine($"one row: {plainRow * 1000:0.00} ms without, {checkedRow * 1000:0.00} ms with (best of 20)");
        // Unfolded, the check would be ~14M casts, multiplies and adds per row on top of ~14M multiply-adds.
        Assert.True(checkedRow <= 2 * plainRow + 0.002, $"a row costs {checkedRow * 1000:0.00} ms with the check and "
            + $"{plainRow * 1000:0.00} ms without: the check is not folded at session creation");

        // The front door: the zip mlContext.Model.Save writes, loaded by ML.NET in a fresh context.
        string path = Path.Combine(Path.GetTempPath(), $"nice-paper-size-{Guid.NewGuid():N}.zip");
        try
        {
            var ml = new MLContext(1);
            var definition = SchemaDefinition.Create(typeof(PaperRow));
            definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
            var empty = ml.Data.LoadFromEnumerable(Array.Empty<PaperRow>(), definition);
            using (var weights = new ModuleWeights(flow))
            using (var chain = OnnxChain.Build(weights, Dequantization.Bytes, "Features", "Latent", "LogLikelihood",
                       new System.Collections.Generic.Dictionary<string, string>()))
                ml.Model.Save(chain.Chain, empty.Schema, path);
            var fresh = new MLContext(2);
            var watch = Stopwatch.StartNew();
            var loaded = fresh.Model.Load(path, out _);
            var engine = fresh.Model.CreatePredictionEngine<PaperRow, PaperPrediction>(loaded, inputSchemaDefinition:
                definition);
            double load = watch.Elapsed.TotalSeconds;
            var input = new PaperRow { Features = row };
            watch.Restart();
            float first = engine.Predict(input).LogLikelihood;
            double firstRow = watch.Elapsed.TotalSeconds;
            double best = double.MaxValue;
            for (int i = 0; i < 20; i++)
            {
                watch.Restart();
                engine.Predict(input);
                best = Math.Min(best, watch.Elapsed.TotalSeconds);
            }
            Assert.True(Math.Abs(first - plainLl) <= 1e-4 * Math.Max(1, Math.Abs(plainLl)), $"{first} vs {plainLl}");
            output.WriteLine($"Model.Load + PredictionEngine: {load * 1000:0} ms; first row {firstRow * 1000:0} ms; "
                + $"then {best * 1000:0.00} ms a row (best of 20)");
            engine.Dispose();
            ((IDisposable)loaded).Dispose();   // deletes ML.NET's temp copy of the graph (77 MB)
        }
        finally
        {
            File.Delete(path);
        }
    }

    public sealed class PaperRow
    {
        [VectorType(784)] public float[] Features = Array.Empty<float>();
    }

    public sealed class PaperPrediction
    {
        public float LogLikelihood;
    }

    /// <summary>Session creation (best of 2) and one row (best of 20) on ONNX Runtime's defaults; the row's
    /// log-likelihood and integrity output (NaN without one).</summary>
    /// <summary>For each graph: the best session creation (of 2) and the best single-row run (of 20), the graphs'
    /// sessions created and run alternately; with the last run's log-likelihood and integrity output.</summary>
    private static (double Create, double Row, float LogLikelihood, float Integrity)[] TimeSessions(byte[][] graphs,
        float[] row)
    {
        var results = graphs.Select(_ => (Create: double.MaxValue, Row: double.MaxValue, Ll: float.NaN,
            Integrity: float.NaN)).ToArray();
        var input = new[] { NamedOnnxValue.CreateFromTensor("Features", new DenseTensor<float>(row, new[] { row.Length })) };
        for (int s = 0; s < 2; s++)
        {
            var sessions = new InferenceSession[graphs.Length];
            try
            {
                for (int g = 0; g < graphs.Length; g++)
                {
                    var watch = Stopwatch.StartNew();
                    sessions[g] = new InferenceSession(graphs[g]);
                    results[g].Create = Math.Min(results[g].Create, watch.Elapsed.TotalSeconds);
                }
                for (int i = 0; i < 10; i++)
                    for (int g = 0; g < graphs.Length; g++)
                    {
                        var watch = Stopwatch.StartNew();
                        using var outputs = sessions[g].Run(input);
                        results[g].Row = Math.Min(results[g].Row, watch.Elapsed.TotalSeconds);
                        results[g].Ll = outputs.First(r => r.Name == "LogLikelihood").AsTensor<float>().ToArray()[0];
                        results[g].Integrity = outputs.FirstOrDefault(r => r.Name == "NiceIntegrity")
                            ?.AsTensor<float>().ToArray()[0] ?? float.NaN;
                    }
            }
            finally
            {
                foreach (var session in sessions) session?.Dispose();
            }
        }
        return results;
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
