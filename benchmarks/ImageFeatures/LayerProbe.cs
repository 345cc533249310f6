using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// Probe of issue 17 (design doc §10): are ResNet-18's intermediate stages (layer1/2/3, globally average-pooled, cached by
/// `embed-taps`) better one-class features than the final 512-d pool? Each block is transformed on its own ("sqrt-unit": √x then
/// unit length, the library's default transform; "raw"; "std": per-dimension standardization on the class's training rows),
/// blocks are concatenated, and per class c: fit on c's training rows, score the test rows, normal = test rows of class c.
/// Scores: the Ledoit–Wolf Gaussian (<see cref="Gaussian"/>, squared Mahalanobis distance) and k-nearest-neighbour distance
/// (k = 1, 5; Euclidean and cosine), a reference that is not a density.
/// </summary>
public static class LayerProbe
{
    public static readonly string[] DefaultMethods = { "gauss", "knn1-euc", "knn5-euc", "knn1-cos", "knn5-cos" };

    /// <summary>Methods scored (--methods): the defaults; "lib-gauss", "flow-affine", "flow-additive": the library's detectors
    /// (<see cref="Nice.MLNet.Images.NiceImageFeatureOptions.GaussianDetector"/>, <c>FlowDetector</c>) fitted on the same
    /// features; "ppcaK": probabilistic PCA (K leading principal coordinates standard normal after whitening, isotropic Gaussian
    /// on the residual); "pflowK" / "pflow-affK": the same with the library's additive / affine flow on the K coordinates.</summary>
    public static string[] Methods = DefaultMethods;

    public static void Run(float[][] train, byte[] trainLabels, float[][] test, byte[] testLabels, IReadOnlyList<string> sets,
        string pre, int[] classes, TextWriter log, string layout = "gap")
    {
        log.WriteLine($"Layer probe: {train.Length} training rows ({train.Length / 10} per class), {test.Length} test rows; transform '{pre}' per block.");
        var means = new Dictionary<(string, string), double>();
        var perClass = new Dictionary<(string, string), double[]>();
        log.WriteLine($"{"features",-28} {"dim",4} " + string.Concat(Methods.Select(m => $"{m,9} ")) + "  (mean AUROC over classes)");
        foreach (var set in sets)
        {
            var blocks = set.Split('+');
            var aucs = Methods.ToDictionary(m => m, _ => new double[classes.Length]);
            int dim = 0;
            for (int k = 0; k < classes.Length; k++)
            {
                int c = classes[k];
                var rows = train.Where((_, i) => trainLabels[i] == c).ToArray();
                var tr = Features(rows, rows, blocks, pre, layout);
                var te = Features(rows, test, blocks, pre, layout);
                dim = tr[0].Length;
                var anomaly = testLabels.Select(l => l != c).ToArray();
                foreach (var (m, scores) in Score(tr, te)) if (aucs.ContainsKey(m)) aucs[m][k] = Metrics.Both(scores, anomaly).Auc;
            }
            foreach (var m in Methods) { means[(set, m)] = aucs[m].Average(); perClass[(set, m)] = aucs[m]; }
            log.WriteLine($"{set,-28} {dim,4} " + string.Concat(Methods.Select(m => F($"{means[(set, m)],9:F4} "))));
            log.Flush();
        }
        foreach (var set in sets.Where(x => x.Split('+').All(b => ResNetTapFeaturizer.Layout(layout).Any(y => y.Name == b && y.Grid > 1))))
        {
            var aucs = classes.Select(c =>
            {
                var rows = train.Where((_, i) => trainLabels[i] == c).ToArray();
                var total = new double[test.Length];
                foreach (var b in set.Split('+'))
                    foreach (var (fit, score) in Cells(rows, test, ResNetTapFeaturizer.Layout(layout).Single(y => y.Name == b), ResNetTapFeaturizer.Offset(layout, b)))
                    {
                        var d = new Gaussian(fit).Score(score);
                        for (int i = 0; i < total.Length; i++) total[i] += d[i];
                    }
                return Metrics.Both(total, testLabels.Select(l => l != c).ToArray()).Auc;
            }).ToArray();
            log.WriteLine(F($"{set,-28} PaDiM-style: a Gaussian per grid cell (√x + unit length per cell), Mahalanobis summed: mean AUROC {aucs.Average():F4}; per class {string.Join(" ", aucs.Select(a => a.ToString("F4", CultureInfo.InvariantCulture)))}"));
            log.Flush();
        }
        foreach (var method in Methods)
        {
            var best = sets.MaxBy(s => means[(s, method)])!;
            log.WriteLine($"Per class, {method}: best set '{best}' vs pool512" + (sets.Contains("pool512-cache") ? " vs pool512-cache" : ""));
            var shown = new[] { best, "pool512", "pool512-cache" }.Where(sets.Contains).Distinct().ToArray();
            log.WriteLine($"{"class",-14} " + string.Concat(shown.Select(s => $"{s,22} ")));
            for (int k = 0; k < classes.Length; k++)
                log.WriteLine($"{classes[k] + " " + OneClassBench.FashionClasses[classes[k]],-14} " + string.Concat(shown.Select(s => F($"{perClass[(s, method)][k],22:F4} "))));
            log.WriteLine($"{"mean",-14} " + string.Concat(shown.Select(s => F($"{means[(s, method)],22:F4} "))));
        }
    }

    /// <summary>Per grid cell, the C-vector of the fit rows and of the scored rows (ONNX layout: channel-major, c * g² + cell).</summary>
    private static IEnumerable<(float[][] Fit, float[][] Score)> Cells(float[][] fit, float[][] score, ResNetTapFeaturizer.Block block, int offset)
    {
        int cells = block.Grid * block.Grid;
        float[][] Take(float[][] rows, int cell) => rows.Select(r =>
        {
            var v = Enumerable.Range(0, block.Channels).Select(c => MathF.Sqrt(MathF.Max(r[offset + c * cells + cell], 0))).ToArray();
            float norm = MathF.Max(MathF.Sqrt(v.Sum(x => x * x)), 1e-12f);
            return v.Select(x => x / norm).ToArray();
        }).ToArray();
        for (int cell = 0; cell < cells; cell++) yield return (Take(fit, cell), Take(score, cell));
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>The columns of the named blocks ("pool512-cache" = the separately cached 512-d pool, appended after the tap columns).</summary>
    private static float[][] Features(float[][] fitRows, float[][] rows, string[] blocks, string pre, string layout)
    {
        var parts = blocks.Select(b =>
        {
            int offset = b == "pool512-cache" ? ResNetTapFeaturizer.WidthOf(layout) : ResNetTapFeaturizer.Offset(layout, b);
            int width = b == "pool512-cache" ? 512 : ResNetTapFeaturizer.Layout(layout).Single(x => x.Name == b).Values;
            float[][] Slice(float[][] r) => r.Select(x => x.AsSpan(offset, width).ToArray()).ToArray();
            var x = Slice(rows);
            switch (pre)
            {
                case "raw": return x;
                case "std": return new FeatureSpace("std", Slice(fitRows)).Apply(x);
                case "sqrt-unit":
                    return x.Select(r =>
                    {
                        var s = r.Select(v => MathF.Sqrt(MathF.Max(v, 0))).ToArray();
                        float norm = MathF.Sqrt(s.Sum(v => v * v));
                        return s.Select(v => v / MathF.Max(norm, 1e-12f)).ToArray();
                    }).ToArray();
                default: throw new ArgumentException($"--pre: '{pre}' is not raw, std or sqrt-unit.");
            }
        }).ToArray();
        return Enumerable.Range(0, rows.Length).Select(i => parts.SelectMany(p => p[i]).ToArray()).ToArray();
    }

    /// <summary>Top-k principal coordinates of <paramref name="rows"/> (whitened by the fit rows' eigenvalues) and the
    /// residual's ½‖r‖²/σ², σ² the mean of the other eigenvalues (PPCA's noise variance).</summary>
    private static float[][]? eighOf;
    private static (Tensor Mu, Tensor Values, Tensor Vectors)? eigh;

    private static (float[][] Z, double[] Residual) Split(float[][] fit, float[][] rows, int k)
    {
        using var scope = NewDisposeScope();
        int n = fit.Length, d = fit[0].Length;
        if (!ReferenceEquals(eighOf, fit))
        {
            eigh?.Mu.Dispose(); eigh?.Values.Dispose(); eigh?.Vectors.Dispose();
            var x = tensor(fit.SelectMany(r => r).ToArray(), new long[] { n, d }).to(ScalarType.Float64);
            var m = x.mean(new long[] { 0 });
            var cx = x - m;
            var (l, v) = linalg.eigh(cx.t().mm(cx) / n);
            eigh = (m.DetachFromDisposeScope(), l.DetachFromDisposeScope(), v.DetachFromDisposeScope());
            eighOf = fit;
        }
        var (mu, values, vectors) = eigh!.Value;
        var top = vectors.narrow(1, d - k, k);
        double sigma2 = values.narrow(0, 0, d - k).clamp_min(0).sum().item<double>() / (d - k);
        var y = tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, d }).to(ScalarType.Float64) - mu;
        var coords = y.mm(top);
        var residual = (y - coords.mm(top.t())).pow(2).sum(1) / (2 * sigma2);
        var z = (coords / values.narrow(0, d - k, k).sqrt()).to(ScalarType.Float32).contiguous().data<float>().ToArray();
        return (Enumerable.Range(0, rows.Length).Select(i => z.AsSpan(i * k, k).ToArray()).ToArray(), residual.data<double>().ToArray());
    }

    private static IEnumerable<(string, double[])> Score(float[][] train, float[][] test)
    {
        if (Methods.Contains("gauss")) yield return ("gauss", new Gaussian(train).Score(test));
        foreach (var (name, options) in new[] { ("lib-gauss", Nice.MLNet.Images.NiceImageFeatureOptions.GaussianDetector()),
            ("flow-affine", Nice.MLNet.Images.NiceImageFeatureOptions.FlowDetector(Nice.MLNet.NiceCoupling.Affine)),
            ("flow-additive", Nice.MLNet.Images.NiceImageFeatureOptions.FlowDetector(Nice.MLNet.NiceCoupling.Additive)) })
        {
            if (!Methods.Contains(name)) continue;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var ml = new Microsoft.ML.MLContext(0);
            var epochs = new List<string>();
            options.Nice.Progress = r => epochs.Add(r.ToString());
            using var detector = Microsoft.ML.NiceAnomalyCatalog.Nice(ml.AnomalyDetection.Trainers, options).Fit(OneClassBench.View(ml, train));
            var s = detector.Score(test).Select(v => (double)v).ToArray();
            var summary = detector.Model.TrainingSummary;
            Console.Error.WriteLine($"    {name}: {clock.Elapsed.TotalSeconds:F0} s" + (summary is null ? "" : $", kept epoch {summary.BestEpoch} of {summary.History.Count}"));
            yield return (name, s);
        }
        foreach (var name in Methods.Where(m => m.StartsWith("ppca") || m.StartsWith("pflow")))
        {
            // PPCA-style split: top-k principal coordinates (whitened) + isotropic Gaussian on the residual; "ppca" puts a
            // standard normal on the k coordinates, "pflow" the library's flow detector (additive, Gaussian prior).
            int k = int.Parse(string.Concat(name.SkipWhile(ch => !char.IsDigit(ch))));
            var (zTrain, rTrain) = Split(train, train, k);
            var (zTest, rTest) = Split(train, test, k);
            double[] head;
            if (name.StartsWith("ppca")) head = zTest.Select(z => 0.5 * z.Sum(v => (double)v * v)).ToArray();
            else
            {
                var ml = new Microsoft.ML.MLContext(0);
                var options = Nice.MLNet.Images.NiceImageFeatureOptions.FlowDetector(name.Contains("aff") ? Nice.MLNet.NiceCoupling.Affine : Nice.MLNet.NiceCoupling.Additive);
                options.Nice.LearningRate = 1e-3;
                options.Nice.EarlyStoppingPatience = 10;
                options.Nice.Epochs = 100;
                options.Score = Nice.MLNet.Anomaly.NiceAnomalyScore.Nll;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                using var detector = Microsoft.ML.NiceAnomalyCatalog.Nice(ml.AnomalyDetection.Trainers, options).Fit(OneClassBench.View(ml, zTrain));
                head = detector.Score(zTest).Select(v => (double)v).ToArray();
                var summary = detector.Model.TrainingSummary;
                Console.Error.WriteLine($"    {name}: {clock.Elapsed.TotalSeconds:F0} s" + (summary is null ? "" : $", kept epoch {summary.BestEpoch} of {summary.History.Count}"));
            }
            yield return (name, head.Select((h, i) => h + rTest[i]).ToArray());
        }
        if (!Methods.Any(m => m.StartsWith("knn"))) yield break;
        using var scope = NewDisposeScope();
        int d = train[0].Length;
        var a = tensor(train.SelectMany(r => r).ToArray(), new long[] { train.Length, d }).to(ScalarType.Float64);
        var b = tensor(test.SelectMany(r => r).ToArray(), new long[] { test.Length, d }).to(ScalarType.Float64);
        var squared = (b.pow(2).sum(1, keepdim: true) + a.pow(2).sum(1).unsqueeze(0) - 2 * b.mm(a.t())).clamp_min(0);
        var an = a / a.norm(1, keepdim: true).clamp_min(1e-12);
        var bn = b / b.norm(1, keepdim: true).clamp_min(1e-12);
        var cosine = 1 - bn.mm(an.t());
        foreach (var (name, distance) in new[] { ("euc", squared.sqrt()), ("cos", cosine) })
            foreach (int k in new[] { 1, 5 })
                yield return ($"knn{k}-{name}", distance.topk(k, 1, largest: false).values.mean(new long[] { 1 }).data<double>().ToArray());
    }
}
