using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;

namespace Nice.MLNet.Onnx;

/// <summary>
/// A forward graph that checks its own weights, for the loader that does not read the content hash
/// (<c>mlContext.Model.Load</c> runs the saved graph as it is). Every float32 and int64 initializer W of the graph (the
/// weights, index sets, permutations and constants) is cut into chunks of <see cref="ChunkLength"/> values, and the
/// graph computes each chunk's fingerprint F = Σᵢ double(Wᵢ)·pᵢ with the pattern pᵢ = M + (i·A mod M), M = 2²³, i
/// the index in W, generated inside the graph by Range, Mul, Mod and Add, so the file grows by two doubles per chunk
/// only. The expected fingerprints E and the tolerances were computed here at export, by the same formula; the output
/// is 1 (float) when every chunk has F = E or |F − E| ≤ tol, else 0. All its inputs are initializers, so ONNX Runtime
/// computes it once, when the session is created (constant folding), not per row.
/// <para>
/// Exactness: pᵢ is an integer below 2²⁴ and a float32 has a 24-bit significand, so each product is exact in double
/// (int64 values below 2²⁹ too); only the summation rounds, by at most (c − 1)·2⁻⁵³·Σ|Wᵢ·pᵢ| for a chunk of c values,
/// in any order. The tolerance is (c + 1)·2⁻⁵²·Σ|Wᵢ·pᵢ|, more than twice that bound, so an honest file never trips on
/// any engine's summation order, while a change of one value by more than about c²·2⁻⁵¹ ≈ 7·10⁻⁹ of its chunk's mean
/// |W| is caught: the sign, every exponent bit and the upper significand bits of any weight that is not tiny beside
/// its neighbours. A NaN, or an ∞ where the export had none, fails the test.
/// </para>
/// <para>
/// It is a checksum, not a signature: an editor who recomputes E defeats it, as one who rewrites the graph's nodes
/// does. The Nice.MLNet loaders check the SHA-256 content hash of the whole file (<see cref="ContentHash"/>), and
/// refuse a file that carries this check but has lost its hash.
/// </para>
/// <para>
/// No new format marker: the flow is described as before (config, weights, metadata), and a reader of formats 1–1.3
/// reads such a graph as it did (it looks up the weights by name and ignores other initializers and outputs); only the
/// zip's chain changed, to a CustomMapping of a new contract (<c>Persistence.CheckedLogLikelihoodFactory</c>), which an
/// older Nice.MLNet does not have.
/// </para>
/// </summary>
internal static class WeightIntegrity
{
    /// <summary>The pattern's modulus M (a power of 2) and multiplier A (odd, ≈ 0.618·M: i ↦ i·A mod M is one-to-one
    /// on 0…M − 1 and spreads neighbours apart).</summary>
    public const long Modulus = 1L << 23, Multiplier = 5_184_471;

    /// <summary>The number of values one fingerprint covers (an initializer's last chunk may hold fewer).</summary>
    public const int ChunkLength = 4096;

    /// <summary>The initializer holding the expected fingerprints E, one per chunk (float64 [T]).</summary>
    public const string ExpectedName = "nice/integrity.expected";

    /// <summary>The initializer holding the tolerances, one per chunk (float64 [T]).</summary>
    public const string ToleranceName = "nice/integrity.tolerance";

    /// <summary>pᵢ = M + (i·A mod M), an integer in [M, 2M).</summary>
    public static long Pattern(long i) => Modulus + (i * Multiplier) % Modulus;

    /// <summary>
    /// The fingerprints Σᵢ double(vᵢ)·pᵢ of one initializer's raw data (little-endian float32 or int64), one per chunk,
    /// each summed in order, and their tolerances (c + 1)·2⁻⁵²·Σᵢ |vᵢ·pᵢ|.
    /// </summary>
    public static (double[] Fingerprints, double[] Tolerances) Of(ReadOnlySpan<byte> data, int dataType)
    {
        int size = SizeOf(dataType);
        long n = data.Length / size;
        int chunks = Chunks(n);
        var fingerprints = new double[chunks];
        var tolerances = new double[chunks];
        for (int c = 0; c < chunks; c++)
        {
            long start = (long)c * ChunkLength, end = Math.Min(n, start + ChunkLength);
            double sum = 0, magnitude = 0;
            for (long i = start; i < end; i++)
            {
                var bytes = data.Slice((int)(i * size), size);
                double v = size == sizeof(float)
                    ? BinaryPrimitives.ReadSingleLittleEndian(bytes)
                    : BinaryPrimitives.ReadInt64LittleEndian(bytes);
                double product = v * Pattern(i);
                sum += product;
                magnitude += Math.Abs(product);
            }
            fingerprints[c] = sum;
            tolerances[c] = (end - start + 1) * Math.ScaleB(magnitude, -52);
        }
        return (fingerprints, tolerances);
    }

    /// <summary>
    /// Adds the check of every float32 and int64 initializer added so far to <paramref name="b"/>, and the graph output
    /// <paramref name="output"/> of shape <paramref name="dims"/>: 1 when they all match, else 0, shaped like
    /// <paramref name="like"/> (the log-likelihood: [1] for one row, [N] batched).
    /// </summary>
    public static void Add(OnnxModelBuilder b, string output, string like, long?[] dims)
    {
        var checkedOnes = b.Initializers()
            .Where(t => t.DataType is OnnxModelBuilder.FloatType or OnnxModelBuilder.Int64Type)
            .ToList();
        var expected = new List<double>();
        var tolerance = new List<double>();
        long longest = 1;
        foreach (var (_, type, data) in checkedOnes)
        {
            var (f, tol) = Of(data.Span, type);
            expected.AddRange(f);
            tolerance.AddRange(tol);
            longest = Math.Max(longest, data.Length / SizeOf(type));
        }
        // p = double(M + (Range(0, n) · A mod M)), once, as long as the longest initializer; each takes a prefix.
        string index = b.Node("Range", b.Int64Scalar(0), b.Int64Scalar(longest), b.Int64Scalar(1));
        string modulus = b.Int64Scalar(Modulus);
        string k = b.Node("Mod", b.Node("Mul", index, b.Int64Scalar(Multiplier)), modulus);
        string pattern = Cast(b, b.Node("Add", k, modulus), OnnxModelBuilder.DoubleType);
        var fingerprints = new List<string>();
        string flat = b.Int64s(-1), zero = b.Int64s(0);
        foreach (var (name, type, data) in checkedOnes)
        {
            long n = data.Length / SizeOf(type);
            string values = Cast(b, b.Node("Reshape", name, flat), OnnxModelBuilder.DoubleType);
            string products = b.Node("Mul", values, b.Node("Slice", pattern, zero, b.Int64s(n), zero));
            if (n > ChunkLength)
            {
                // [n] → zero-padded to whole chunks → [chunks, ChunkLength] → a sum per chunk.
                long padded = (long)Chunks(n) * ChunkLength;
                if (padded > n) products = b.Node("Pad", products, b.Int64s(0, padded - n));
                products = b.Node("Reshape", products, b.Int64s(-1, ChunkLength));
            }
            string axis = n > ChunkLength ? b.Int64s(1) : zero;
            fingerprints.Add(b.Node("ReduceSum", new[] { products, axis }, null,
                OnnxAttribute.Of("keepdims", n > ChunkLength ? 0 : 1)));
        }
        string all = b.Node("Concat", fingerprints, null, OnnxAttribute.Of("axis", 0));
        string e = b.Initializer(ExpectedName, expected.ToArray(), expected.Count);
        // F = E, or |F − E| ≤ tol: the first for a constant that is ±∞ by design (the graph's −∞), the second for the
        // rest. A NaN, or an ∞ where there was none, fails both (NaN compares false).
        string ok = b.Node("Or", b.Node("Equal", all, e), b.Node("LessOrEqual", b.Node("Abs", b.Node("Sub", all, e)),
            b.Initializer(ToleranceName, tolerance.ToArray(), tolerance.Count)));
        string okAll = b.Node("ReduceMin", new[] { Cast(b, ok, OnnxModelBuilder.FloatType) }, null,
            OnnxAttribute.Of("keepdims", 0));
        b.Node("Expand", new[] { okAll, b.Node("Shape", like) }, output);
        b.Output(output, dims);
    }

    /// <summary>The number of chunks of an initializer of <paramref name="n"/> values (at least 1).</summary>
    private static int Chunks(long n) => (int)Math.Max(1, (n + ChunkLength - 1) / ChunkLength);

    private static int SizeOf(int dataType) => dataType == OnnxModelBuilder.FloatType ? sizeof(float) : sizeof(long);

    private static string Cast(OnnxModelBuilder b, string x, int to)
        => b.Node("Cast", new[] { x }, null, OnnxAttribute.Of("to", to));
}
