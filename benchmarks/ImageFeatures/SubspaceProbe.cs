using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Nice.MLNet.Flow;
using Nice.MLNet.Images;
using static TorchSharp.torch;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// `probe-subspace` (design doc §15): on the library benchmark's grid caches, full protocol (a class's 6,000 training
/// images, all 10,000 test images, √x and unit length per block), the rank-R probabilistic-PCA Gaussian (the library's
/// default detector, "ppca") against flows that keep its residual off the R leading principal directions:
/// "pflowK[-aff][-eN]" the library's flow detector on the K leading whitened coordinates (the other R − K standard
/// normal, the residual isotropic, as in PPCA); "rflowK" the flow on those K coordinates and t = log ρ, the residual's
/// length ρ in units of σ, with its direction uniform on the sphere (−log p(x) = −log q(z, t) + m·t + const, m = D − R);
/// "rflowK-gauss" the same with no couplings (a Gaussian on (z, t)); "bppca", "brflow", "brflow-gauss" the same per grid
/// block, each with its own PCA (ranks <see cref="BlockRanks"/>) and residual length. Suffixes: "-aff" affine
/// couplings, "-eN" an ensemble of N, "-sN" seed N. With the environment variable PROBE_SCORES=DIR each method's test
/// scores are written to DIR/class{c}-{method}.f64 (float64, test-row order) for paired_bootstrap.py.
/// </summary>
public static class SubspaceProbe
{
    public static void Run(string cacheDir, string fashionDir, int[] classes, int rank, string[] methods, int epochs,
        double lr, int patience, TextWriter log)
    {
        int d = NiceImageFeatures.GridEmbeddingSize;
        var trainLabels = Datasets.Fashion(fashionDir, "train").Labels;
        var testLabels = Datasets.Fashion(fashionDir, "t10k").Labels;
        var trainAll = EmbeddingCache.LoadPrefix(Path.Combine(cacheDir, "fashion-train.resnet18-grid-l3x4.f32"),
            trainLabels.Length, d);
        var testRaw = EmbeddingCache.LoadPrefix(Path.Combine(cacheDir, "fashion-t10k.resnet18-grid-l3x4.f32"),
            testLabels.Length, d);
        log.WriteLine($"probe-subspace: rank {rank} PPCA; flows lr {lr}, <= {epochs} epochs, patience {patience}; "
            + $"libtorch threads {get_num_threads()}");
        log.WriteLine($"{"class",-14} " + string.Concat(methods.Select(m => $"{m,12} ")));
        var aucs = methods.ToDictionary(m => m, _ => new List<double>());
        foreach (int c in classes)
        {
            var (zTrain, zTest, trainResidual, residual) = Coordinates(trainAll.Where((_, i) => trainLabels[i] == c).ToArray(),
                testRaw, rank);
            var anomaly = testLabels.Select(l => l != c).ToArray();
            var blocks = methods.Any(m => m.StartsWith('b'))
                ? BlockCoordinates(trainAll.Where((_, i) => trainLabels[i] == c).ToArray(), testRaw, BlockRanks)
                : default;
            foreach (var m in methods)
            {
                double[] LogRadius(double[] r) => r.Select(v => 0.5 * Math.Log(2 * v)).ToArray();
                var score = m switch
                {
                    _ when m.StartsWith("rflow") => RadiusFlow(m, zTrain, zTest, new[] { LogRadius(trainResidual) },
                        new[] { LogRadius(residual) }, new[] { d - rank }, epochs, lr, patience, log),
                    "bppca" => blocks.ZTest.Select((z, i) => 0.5 * z.Sum(v => (double)v * v)
                        + blocks.TTest.Select((t, b) => 0.5 * Math.Exp(2 * t[i])).Sum()).ToArray(),
                    _ when m.StartsWith("lib-radial") || m.StartsWith("lib-gauss") => LibraryRadial(m, trainAll.Where((_, i) => trainLabels[i] == c)
                        .ToArray(), testRaw, rank, epochs, lr, patience, log),
                    _ when m.StartsWith("brflow") => RadiusFlow(m[1..], blocks.ZTrain, blocks.ZTest, blocks.TTrain,
                        blocks.TTest, blocks.M, epochs, lr, patience, log),
                    _ => Score(m, zTrain, zTest, epochs, lr, patience, log).Select((s, i) => s + residual[i])
                        .ToArray(),
                };
                aucs[m].Add(Metrics.Both(score, anomaly).Auc);
                if (Environment.GetEnvironmentVariable("PROBE_SCORES") is { Length: > 0 } dir)
                {
                    Directory.CreateDirectory(dir);
                    File.WriteAllBytes(Path.Combine(dir, $"class{c}-{m}.f64"),
                        score.SelectMany(BitConverter.GetBytes).ToArray());
                }
            }
            log.WriteLine($"{c + " " + OneClassBench.FashionClasses[c],-14} "
                + string.Concat(methods.Select(m => F($"{aucs[m][^1],12:F4} "))));
            log.Flush();
        }
        log.WriteLine($"{"mean",-14} " + string.Concat(methods.Select(m => F($"{aucs[m].Average(),12:F4} "))));
    }

    /// <summary>−log p of the R whitened coordinates (up to a constant) under the method: "ppca" the standard normal,
    /// "pflowK[-aff][-eN]" the library's flow detector on the K leading ones and the standard normal on the
    /// others.</summary>
    private static double[] Score(string method, float[][] zTrain, float[][] zTest, int epochs, double lr,
        int patience, TextWriter log)
    {
        if (method == "ppca") return zTest.Select(z => 0.5 * z.Sum(v => (double)v * v)).ToArray();
        int k = int.Parse(method.Split('-')[0]["pflow".Length..], CultureInfo.InvariantCulture);
        var head = FlowNll(method, zTrain.Select(z => z[..k]).ToArray(), zTest.Select(z => z[..k]).ToArray(), epochs,
            lr, patience, log);
        return zTest.Select((z, i) => head[i] + 0.5 * z[k..].Sum(v => (double)v * v)).ToArray();
    }

    /// <summary>
    /// The library's flow detector (<see cref="NiceImageFeatureOptions.FlowDetector"/>, additive unless the method
    /// says "-aff"; "-gauss": no couplings; "-eN": an ensemble of N, without whitening; "-sN": seed N) fitted on
    /// <paramref name="train"/> with the probe's learning rate, epochs and patience: −log p of the
    /// <paramref name="test"/> rows.
    /// </summary>
    private static float[] FlowNll(string method, float[][] train, float[][] test, int epochs, double lr, int patience,
        TextWriter log, Action<NiceOptions>? configure = null)
    {
        var parts = method.Split('-');
        var options = NiceImageFeatureOptions.FlowDetector(
            parts.Contains("aff") ? NiceCoupling.Affine : NiceCoupling.Additive);
        options.Nice.LearningRate = lr;
        options.Nice.EarlyStoppingPatience = patience;
        options.Nice.Epochs = epochs;
        if (parts.Contains("gauss")) options.Nice.Couplings = 0;
        foreach (var p in parts.Skip(1).Where(p => p.StartsWith('s')))
            options.Nice.Seed = int.Parse(p[1..], CultureInfo.InvariantCulture);
        foreach (var p in parts.Skip(1).Where(p => p.StartsWith('e')))
        {
            // An ensemble takes no whitening layer; the coordinates are whitened already.
            options.Nice.EnsembleMembers = int.Parse(p[1..], CultureInfo.InvariantCulture);
            options.Nice.Whitening = NiceWhitening.None;
            options.Nice.WhiteningRank = null;
        }
        configure?.Invoke(options.Nice);
        options.Score = Nice.MLNet.Anomaly.NiceAnomalyScore.Nll;
        var ml = new Microsoft.ML.MLContext(0);
        var clock = Stopwatch.StartNew();
        using var detector = Microsoft.ML.NiceAnomalyCatalog.Nice(ml.AnomalyDetection.Trainers, options)
            .Fit(OneClassBench.View(ml, train));
        var nll = detector.Score(test);
        var summary = detector.Model.TrainingSummary;
        log.WriteLine($"    {method}: {clock.Elapsed.TotalSeconds:F0} s" + (summary is null ? "" : F(
            $", kept epoch {summary.BestEpoch} of {summary.History.Max(h => h.Epoch)}, valid NLL {summary.History.First().ValidNll:F2} -> {summary.History.Last(h => h.IsBest).ValidNll:F2}")));
        return nll;
    }

    /// <summary>
    /// "lib-gauss": the library's Gaussian detector on the same features (the default, fitted on its 90% of the rows);
    /// "lib-radial[-sN]": the library's own radial flow (<c>NiceOptions.RadialFlow</c>) on the
    /// transformed 6,656-d features: the detector's rank-R PPCA whitening, then additive couplings on the R leading
    /// coordinates and the residual's log-length; −log p of the test rows.
    /// </summary>
    private static double[] LibraryRadial(string method, float[][] train, float[][] test, int rank, int epochs, double lr,
        int patience, TextWriter log)
    {
        using var scope = NewDisposeScope();
        var nll = FlowNll(method, Rows(EigenCheck.Transform(train)), Rows(EigenCheck.Transform(test)), epochs, lr,
            patience, log, o =>
            {
                o.WhiteningRank = rank;
                o.RadialFlow = method.Contains("radial");
            });
        return nll.Select(v => (double)v).ToArray();
    }

    /// <summary>Leading principal coordinates kept per grid block (layer2, layer3, pool) by the "b" methods.</summary>
    public static int[] BlockRanks = { 96, 128, 32 };

    /// <summary>
    /// Per grid block b: its own PCA of rank R_b (whitened coordinates z_b) and the log-length t_b of its residual in
    /// units of σ_b (its mean discarded eigenvalue): the coordinates of the "b" methods, with m_b = d_b − R_b.
    /// </summary>
    private static (float[][] ZTrain, float[][] ZTest, double[][] TTrain, double[][] TTest, int[] M) BlockCoordinates(
        float[][] train, float[][] test, int[] ranks)
    {
        using var scope = NewDisposeScope();
        var x = EigenCheck.Transform(train);
        var y = EigenCheck.Transform(test);
        var sizes = NiceImageFeatures.GridBlockSizes;
        var zTrain = new List<Tensor>();
        var zTest = new List<Tensor>();
        var tTrain = new double[sizes.Count][];
        var tTest = new double[sizes.Count][];
        var m = new int[sizes.Count];
        long offset = 0;
        for (int b = 0; b < sizes.Count; b++)
        {
            var xb = x.narrow(1, offset, sizes[b]);
            var yb = y.narrow(1, offset, sizes[b]);
            offset += sizes[b];
            long n = xb.shape[0];
            var mean = xb.mean(new long[] { 0 });
            var cx = xb - mean;
            var cy = yb - mean;
            var s = cx.t().mm(cx) / n;
            var (values, basis, _) = LeadingEigenpairs.Compute(s, ranks[b], ranks[b]);
            double sigma2 = (s.trace().item<double>() - values.sum().item<double>()) / (sizes[b] - ranks[b]);
            var px = cx.mm(basis);
            var py = cy.mm(basis);
            zTrain.Add(px * values.rsqrt());
            zTest.Add(py * values.rsqrt());
            tTrain[b] = (0.5 * ((cx.square().sum(1) - px.square().sum(1)) / sigma2).log()).data<double>().ToArray();
            tTest[b] = (0.5 * ((cy.square().sum(1) - py.square().sum(1)) / sigma2).log()).data<double>().ToArray();
            m[b] = sizes[b] - ranks[b];
        }
        return (Rows(cat(zTrain, 1)), Rows(cat(zTest, 1)), tTrain, tTest, m);
    }

    /// <summary>
    /// "rflowK": the flow on the K leading whitened coordinates and t = log ρ, ρ the residual's length in units of σ
    /// (ρ² = 2 × the PPCA residual term), the residual's direction uniform on its sphere: −log p(x) = −log q(z, t) +
    /// m·t + ½‖w‖² + const, m = D − R the residual's dimension, w the other R − K coordinates.
    /// </summary>
    private static double[] RadiusFlow(string method, float[][] zTrain, float[][] zTest, double[][] tTrain,
        double[][] tTest, int[] m, int epochs, double lr, int patience, TextWriter log)
    {
        int k = int.TryParse(method.Split('-')[0]["rflow".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture,
            out var kk) ? kk : zTrain[0].Length;
        float[][] Inputs(float[][] z, double[][] t) => z.Select((row, i) => row[..k]
            .Concat(t.Select(tb => (float)tb[i])).ToArray()).ToArray();
        var head = FlowNll(method, Inputs(zTrain, tTrain), Inputs(zTest, tTest), epochs, lr, patience, log);
        return zTest.Select((z, i) => head[i] + m.Select((mb, b) => mb * tTest[b][i]).Sum()
            + 0.5 * z[k..].Sum(v => (double)v * v)).ToArray();
    }

    /// <summary>The R leading whitened principal coordinates of the class's rows and of the test rows, and the test
    /// rows' PPCA residual term ½‖c − VVᵀc‖²/σ².</summary>
    private static (float[][] Train, float[][] Test, double[] TrainResidual, double[] Residual) Coordinates(float[][] train, float[][] test,
        int rank)
    {
        using var scope = NewDisposeScope();
        var x = EigenCheck.Transform(train);
        var y = EigenCheck.Transform(test);
        long n = x.shape[0], d = x.shape[1];
        var mean = x.mean(new long[] { 0 });
        var centred = x - mean;
        var s = centred.t().mm(centred) / n;
        var (values, basis, _) = LeadingEigenpairs.Compute(s, rank, rank);
        double sigma2 = (s.trace().item<double>() - values.sum().item<double>()) / (d - rank);
        var scale = values.rsqrt();
        var cy = y - mean;
        var coords = cy.mm(basis);
        var residual = (cy.square().sum(1) - coords.square().sum(1)) / (2 * sigma2);
        var trainCoords = centred.mm(basis);
        var trainResidual = (centred.square().sum(1) - trainCoords.square().sum(1)) / (2 * sigma2);
        return (Rows(trainCoords * scale), Rows(coords * scale), trainResidual.data<double>().ToArray(),
            residual.data<double>().ToArray());
    }

    private static float[][] Rows(Tensor t)
    {
        var flat = t.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        int k = (int)t.shape[1];
        return Enumerable.Range(0, (int)t.shape[0]).Select(i => flat.AsSpan(i * k, k).ToArray()).ToArray();
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
