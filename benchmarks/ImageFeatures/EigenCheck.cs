using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Nice.MLNet.Flow;
using Nice.MLNet.Images;
using static TorchSharp.torch;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// `eigen-check`: the low-rank whitening's eigenpairs on real grid features, the library's subspace iteration
/// (<see cref="LeadingEigenpairs"/>) against a full <c>linalg.eigh</c>. Reads one class's training rows and all test
/// rows from the library benchmark's grid caches (`./run.sh anomaly --dataset fashion-features --layout grid` writes
/// out/embeddings/fashion-{train,t10k}.resnet18-grid-l3x4.f32), applies the default embedding transform per block (√x,
/// unit length), and prints the time of each step, the Ritz values' error, and the rank-256 PPCA score of the test rows
/// under both (max difference, AUROC with the other classes as anomalies).
/// </summary>
public static class EigenCheck
{
    public static void Run(string cacheDir, string fashionDir, int cls, int rank, TextWriter log)
    {
        int d = NiceImageFeatures.GridEmbeddingSize;
        using var scope = NewDisposeScope();
        var trainLabels = Datasets.Fashion(fashionDir, "train").Labels;
        var testLabels = Datasets.Fashion(fashionDir, "t10k").Labels;
        var train = Transform(EmbeddingCache.LoadPrefix(Path.Combine(cacheDir, "fashion-train.resnet18-grid-l3x4.f32"),
            trainLabels.Length, d).Where((_, i) => trainLabels[i] == cls).ToArray());
        var test = Transform(EmbeddingCache.LoadPrefix(Path.Combine(cacheDir, "fashion-t10k.resnet18-grid-l3x4.f32"),
            testLabels.Length, d));
        long n = train.shape[0];
        int k = Whitening.EffectiveRank(rank, d, n);
        log.WriteLine($"class {cls}: {n} training rows, {test.shape[0]} test rows, D = {d}, rank {k}; "
            + $"libtorch threads {get_num_threads()}");
        var clock = Stopwatch.StartNew();
        var mean = train.mean(new long[] { 0 });
        var centred = train - mean;
        var s = centred.t().mm(centred) / n;
        log.WriteLine($"covariance: {clock.Elapsed.TotalSeconds:F1} s");
        clock.Restart();
        var (ascending, vectors) = linalg.eigh(s);
        var exact = (ascending.narrow(0, d - k, k).flip(0), vectors.narrow(1, d - k, k).flip(1));
        log.WriteLine($"linalg.eigh: {clock.Elapsed.TotalSeconds:F1} s");
        clock.Restart();
        var (values, basis, steps) = LeadingEigenpairs.Compute(s, k, k);
        log.WriteLine($"LeadingEigenpairs: {clock.Elapsed.TotalSeconds:F1} s, {steps} steps (0 = fell back to eigh)");
        double error = ((values - exact.Item1).abs() / exact.Item1).max().item<double>();
        var anomaly = testLabels.Select(l => l != cls).ToArray();
        var reference = Scores(s, exact.Item1, exact.Item2, test - mean, k);
        var iterated = Scores(s, values, basis, test - mean, k);
        double gap = reference.Zip(iterated, (a, b) => Math.Abs(a - b)).Max();
        double aucExact = Metrics.Both(reference, anomaly).Auc, aucIterated = Metrics.Both(iterated, anomaly).Auc;
        log.WriteLine($"Ritz values: max relative error {error:E2}; test scores: max |difference| {gap:E2} nats; "
            + $"AUROC eigh {aucExact:F5}, iterated {aucIterated:F5}");
    }

    /// <summary>Rows as float64 [n, D], each grid block √max(x, 0) and scaled to unit length.</summary>
    internal static Tensor Transform(float[][] rows)
    {
        var x = tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, rows[0].Length })
            .clamp_min(0).sqrt();
        long offset = 0;
        var blocks = NiceImageFeatures.GridBlockSizes.Select(size =>
        {
            var block = x.narrow(1, offset, size);
            offset += size;
            return block / block.norm(1, keepdim: true).clamp_min(1e-12);
        }).ToArray();
        return cat(blocks, 1).to(ScalarType.Float64);
    }

    /// <summary>
    /// −log N(x; μ, Σ_PPCA) up to a constant: ½‖Λ^(−½)Vᵀc‖² + ½‖c − VVᵀc‖²/σ² + ½ Σ log λ + ½(D − k) log σ².
    /// </summary>
    private static double[] Scores(Tensor s, Tensor values, Tensor basis, Tensor centred, int k)
    {
        long d = s.shape[0];
        double sigma2 = (s.trace().item<double>() - values.sum().item<double>()) / (d - k);
        var coords = centred.mm(basis);
        var residual = (centred - coords.mm(basis.t())).square().sum(1);
        var nll = 0.5 * (coords.square() / values).sum(1) + 0.5 * residual / sigma2
            + 0.5 * (values.log().sum().item<double>() + (d - k) * Math.Log(sigma2));
        return nll.data<double>().ToArray();
    }
}
