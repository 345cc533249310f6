using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;
using Nice.MLNet.Onnx.Proto;
using Xunit;

namespace Nice.MLNet.Tests.Onnx;

/// <summary>
/// The forward graph's check of its own weights (<see cref="WeightIntegrity"/>): ONNX Runtime says 1 for every honest
/// export and scores exactly as without the check, says 0 after an edit of the weights, and the tolerance catches the
/// high bits of every weight of a paper-size tensor while a different summation order never trips it.
/// </summary>
public sealed class WeightIntegrityTests
{
    private static readonly Dequantization Levels16 = new(16, 0.5, -1.0);

    public static IEnumerable<object[]> Flows()
    {
        foreach (var batched in new[] { false, true })
        {
            yield return new object[] { "plain", batched };
            yield return new object[] { "affineLuActNorm", batched };
            yield return new object[] { "permutationInputNormDequantized", batched };
            yield return new object[] { "ensemble", batched };
            yield return new object[] { "wide", batched };
        }
    }

    private static (FlowConfig Config, Dequantization? Dq) Setup(string kind) => kind switch
    {
        "plain" => (TestConfig.Nice(5, 4, 2, 16), null),
        "affineLuActNorm" => (TestConfig.Nice(7, 3, 2, 12, NiceActivation.LeakyReLU, NicePartition.Contiguous,
            NicePrior.Gaussian, NiceCoupling.Affine, NiceMixing.LU, ActNorm: true), null),
        "permutationInputNormDequantized" => (TestConfig.Nice(6, 2, 2, 8, Mixing: NiceMixing.Permutation,
            InputNorm: true), Levels16),
        "ensemble" => (TestConfig.Nice(4, 2, 2, 8) with { Members = 3 }, null),
        // Hidden layers of 300 × 300 = 90,000 weights: 22 chunks, the last one padded.
        "wide" => (TestConfig.Nice(8, 2, 2, 300), null),
        _ => throw new ArgumentException(kind),
    };

    private static float[] Rows(int n, int d, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n * d).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
    }

    private static byte[] Export(NiceFlow flow, Dequantization? dq, bool batched, bool integrity)
    {
        using var weights = new ModuleWeights(flow);
        return NiceOnnx.ExportForward(weights, dq, batched, null, "Features", "Latent", "LogLikelihood",
            integrity ? "NiceIntegrity" : null);
    }

    private static Dictionary<string, (float[] Values, long[] Shape)> Run(byte[] onnx, float[] rows, int n, int d,
        bool batched)
    {
        if (batched) return Ort.Once(onnx, "Features", rows, n, d);
        using var ort = new Ort(onnx);
        var all = new Dictionary<string, (float[] Values, long[] Shape)>();
        for (int i = 0; i < n; i++)
            foreach (var (name, (values, shape)) in ort.Run("Features", rows.AsSpan(i * d, d).ToArray(), d))
                all[name] = (all.TryGetValue(name, out var v) ? v.Values.Concat(values).ToArray() : values, shape);
        return all;
    }

    [Theory]
    [MemberData(nameof(Flows))]
    public void HonestExport_PassesItsCheck_OnOnnxRuntime_AndScoresExactlyAsWithoutIt(string kind, bool batched)
    {
        var (config, dq) = Setup(kind);
        using var flow = TestUtil.RandomFlow(config, seed: 11, scale: 0.3);
        const int n = 5;
        int d = config.Dimension;
        var rows = Rows(n, d, seed: 3);
        var with = Run(Export(flow, dq, batched, integrity: true), rows, n, d, batched);
        var without = Run(Export(flow, dq, batched, integrity: false), rows, n, d, batched);
        Assert.Equal(Enumerable.Repeat(1f, n), with["NiceIntegrity"].Values);
        Assert.Equal(batched ? new long[] { n } : new long[] { 1 }, with["NiceIntegrity"].Shape);
        Assert.False(without.ContainsKey("NiceIntegrity"));
        Assert.Equal(without["LogLikelihood"].Values, with["LogLikelihood"].Values);
        Assert.Equal(without["Latent"].Values, with["Latent"].Values);
        Assert.All(with["LogLikelihood"].Values, v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>Edits of the "wide" flow's first 300 × 300 hidden weight (chunked and padded) or its index sets.</summary>
    [Theory]
    [InlineData("zero64")]
    [InlineData("highByte")]
    [InlineData("swapTwo")]
    [InlineData("lastWeightSign")]
    [InlineData("nan")]
    [InlineData("swapIndices")]
    public void EditedWeights_TurnTheCheckToZero(string edit)
    {
        var (config, dq) = Setup("wide");
        using var flow = TestUtil.RandomFlow(config, seed: 12, scale: 0.3);
        var model = ModelProto.Parser.ParseFrom(Export(flow, dq, batched: true, integrity: true));
        var hidden = model.Graph.Initializer.First(t => t.DataType == 1 && t.RawData.Length == 300 * 300 * 4);
        // The longest int64 initializer: the order the forward graph gathers the columns into (GraphLayout).
        var indices = model.Graph.Initializer.Where(t => t.DataType == 7).OrderByDescending(t => t.RawData.Length).First();
        var target = edit == "swapIndices" ? indices : hidden;
        var raw = target.RawData.ToByteArray();
        int i = 12_345;
        switch (edit)
        {
            case "zero64": Array.Clear(raw, 4 * 40_000, 256); break;
            case "highByte": raw[4 * i + 3] ^= 0xFF; break;
            case "swapTwo":
                for (int k = 0; k < 4; k++) (raw[4 * i + k], raw[4 * 70_001 + k]) = (raw[4 * 70_001 + k], raw[4 * i + k]);
                break;
            case "lastWeightSign": raw[^1] ^= 0x80; break;   // in the padded last chunk
            case "nan": BitConverter.GetBytes(float.NaN).CopyTo(raw, 4 * i); break;
            case "swapIndices":
                for (int k = 0; k < 8; k++) (raw[k], raw[8 + k]) = (raw[8 + k], raw[k]);
                break;
        }
        Assert.False(raw.AsSpan().SequenceEqual(target.RawData.Span), "the edit changed nothing");
        target.RawData = ByteString.CopyFrom(raw);
        var rows = Rows(3, config.Dimension, seed: 4);
        var outputs = Ort.Once(model.ToByteArray(), "Features", rows, 3, config.Dimension);
        Assert.Equal(new[] { 0f, 0f, 0f }, outputs["NiceIntegrity"].Values);
    }

    private static bool Passes(double[] f, double[] e, double[] tol)
        => Enumerable.Range(0, f.Length).All(c => f[c] == e[c] || Math.Abs(f[c] - e[c]) <= tol[c]);

    /// <summary>
    /// A paper-size hidden layer (1000 × 1000 weights ~ N(0, 0.02²)): flipping the sign, any exponent bit or any of
    /// the upper 16 significand bits (bits 7–31 of the float) of a weight at least 1% of the mean |w| is caught.
    /// </summary>
    [Fact]
    public void Tolerance_CatchesTheHighBitsOfEveryWeight_OfAPaperSizeTensor()
    {
        var rng = new Random(21);
        var w = new float[1000 * 1000];
        for (int i = 0; i < w.Length; i++)
            w[i] = (float)(0.02 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        double mean = w.Average(v => Math.Abs((double)v));
        var bytes = MemoryMarshal.AsBytes(w.AsSpan()).ToArray();
        var (e, tol) = WeightIntegrity.Of(bytes, OnnxModelBuilder.FloatType);
        Assert.Equal(245, e.Length);   // ⌈10⁶ / 4096⌉ chunks
        var positions = Enumerable.Range(0, 12).Select(_ => rng.Next(w.Length))
            .Where(i => Math.Abs(w[i]) >= 0.01 * mean).ToList();
        Assert.True(positions.Count >= 8);
        var missed = new List<string>();
        foreach (int i in positions)
            for (int bit = 7; bit < 32; bit++)
            {
                var edited = (byte[])bytes.Clone();
                edited[4 * i + bit / 8] ^= (byte)(1 << (bit % 8));
                var (f, _) = WeightIntegrity.Of(edited, OnnxModelBuilder.FloatType);
                if (Passes(f, e, tol)) missed.Add($"weight {i} ({w[i]}), bit {bit}");
            }
        Assert.Empty(missed);
    }

    /// <summary>
    /// The tolerance bounds the summation error of any order: chunk sums taken backwards and pairwise (as a vectorized
    /// runtime might) stay within it, on N(0, 1) weights and on weights spanning 60 orders of magnitude.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tolerance_IsNeverExceeded_ByAnotherSummationOrder(bool wideRange)
    {
        var rng = new Random(wideRange ? 31 : 32);
        var w = new float[3 * WeightIntegrity.ChunkLength + 17];
        for (int i = 0; i < w.Length; i++)
        {
            double g = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            w[i] = (float)(wideRange ? Math.Sign(g) * Math.Pow(10, rng.NextDouble() * 60 - 30) : g);
        }
        var (e, tol) = WeightIntegrity.Of(MemoryMarshal.AsBytes(w.AsSpan()), OnnxModelBuilder.FloatType);
        for (int c = 0; c < e.Length; c++)
        {
            int start = c * WeightIntegrity.ChunkLength, end = Math.Min(w.Length, start + WeightIntegrity.ChunkLength);
            var products = Enumerable.Range(start, end - start).Select(i => w[i] * (double)WeightIntegrity.Pattern(i))
                .ToArray();
            double backwards = 0;
            for (int i = products.Length - 1; i >= 0; i--) backwards += products[i];
            Assert.True(Math.Abs(backwards - e[c]) <= tol[c], $"chunk {c}: backwards {backwards}, expected {e[c]}");
            double pairwise = Pairwise(products);
            Assert.True(Math.Abs(pairwise - e[c]) <= tol[c], $"chunk {c}: pairwise {pairwise}, expected {e[c]}");
            Assert.True(tol[c] > 0);
        }
    }

    private static double Pairwise(ReadOnlySpan<double> x)
        => x.Length <= 8 ? Sum(x) : Pairwise(x[..(x.Length / 2)]) + Pairwise(x[(x.Length / 2)..]);

    private static double Sum(ReadOnlySpan<double> x)
    {
        double s = 0;
        foreach (var v in x) s += v;
        return s;
    }

    /// <summary>The pattern is an integer in [M, 2M) and one-to-one on 0…M − 1, so two weights of a tensor never share
    /// a coefficient (a swap of two different weights always changes the fingerprint).</summary>
    [Fact]
    public void Pattern_IsOneToOne_AndWithinItsRange()
    {
        var seen = new HashSet<long>();
        for (long i = 0; i < WeightIntegrity.Modulus; i += 7)
        {
            long p = WeightIntegrity.Pattern(i);
            Assert.InRange(p, WeightIntegrity.Modulus, 2 * WeightIntegrity.Modulus - 1);
            Assert.True(seen.Add(p), $"pattern value {p} repeats at {i}");
        }
    }
}
