using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// Projection on the top-k principal components of the training rows, each divided by its standard deviation: z = Λₖ^(−½) Vₖᵀ (x − μ).
/// Used to ask whether a flow beats the Gaussian where it has enough rows per dimension (k ≪ 512).
/// </summary>
public sealed class PcaWhitening
{
    private readonly double[] mean;
    private readonly double[] projection; // d × k, row-major, columns scaled by λ^(−½)
    private readonly int d, k;

    public PcaWhitening(float[][] train, int k)
    {
        using var scope = NewDisposeScope();
        int n = train.Length;
        d = train[0].Length;
        this.k = k;
        var x = tensor(train.SelectMany(r => r.Select(v => (double)v)).ToArray(), new long[] { n, d });
        var mu = x.mean(new long[] { 0 });
        var c = x - mu;
        var (values, vectors) = linalg.eigh(c.t().mm(c) / n); // ascending
        var top = vectors.narrow(1, d - k, k) / values.narrow(0, d - k, k).clamp_min(1e-12).sqrt();
        mean = mu.data<double>().ToArray();
        projection = top.contiguous().data<double>().ToArray();
    }

    public float[][] Apply(float[][] rows)
    {
        using var scope = NewDisposeScope();
        var x = tensor(rows.SelectMany(r => r.Select(v => (double)v)).ToArray(), new long[] { rows.Length, d }) - tensor(mean);
        var z = x.mm(tensor(projection, new long[] { d, k })).to(ScalarType.Float32).data<float>().ToArray();
        return Enumerable.Range(0, rows.Length).Select(i => z.AsSpan(i * k, k).ToArray()).ToArray();
    }
}
