using System;
using System.Collections.Generic;
using System.Linq;
using Nice.MLNet.Flow;

namespace Nice.MLNet;

/// <summary>
/// The one home of the defaults of <see cref="NiceOptions"/> and of the catalog methods' parameters (ML.NET's
/// <c>Defaults</c> pattern): fixed values, the rule that chooses the unset sizes from the training data
/// (<see cref="Resolve"/>, stated in words on <see cref="NiceOptions"/>), and the NICE paper's MNIST model (Dinh,
/// Krueger &amp; Bengio, arXiv:1410.8516; <see cref="NiceOptions.PaperMnist"/>).
/// </summary>
internal static class NiceDefaults
{
    public const string InputColumnName = "Features";
    public const string LatentColumnName = "Latent";
    public const string LogLikelihoodColumnName = "LogLikelihood";

    public const int Couplings = 4;
    public const NiceActivation Activation = NiceActivation.ReLU;
    public const NicePartition Partition = NicePartition.Interleaved;
    public const NicePrior Prior = NicePrior.Logistic;
    public const NiceCoupling Coupling = NiceCoupling.Additive;
    public const NiceMixing Mixing = NiceMixing.None;
    public const bool ActNorm = false;
    public const NiceWhitening Whitening = NiceWhitening.None;

    public const double LearningRate = 1e-3;
    public const double Beta1 = 0.9;
    public const double Beta2 = 0.99;
    public const double AdamEpsilon = 1e-4;
    public const double WeightDecay = 0;
    public const double GradientClipNorm = 0;
    public const int Seed = 0;

    public const int DequantizationLevels = 0;
    public const double QuantizationStep = 1.0;
    public const double QuantizationOffset = 0;
    public const bool DataDependentInit = true;
    public const bool CacheInMemory = true;
    public const int ShufflePoolRows = 10_000;
    public const bool SkipNonFiniteRows = false;
    public const int ScoringBatchSize = 512;
    /// <summary>The largest <see cref="NiceOptions.ScoringBatchSize"/> accepted (2²⁰ rows).</summary>
    public const int MaxScoringBatchSize = 1 << 20;
    public const string Device = "cpu";
    public const NiceScoringEngine ScoringEngine = NiceScoringEngine.Auto;
    /// <summary>0 = the automatic thread count (see <see cref="NiceOptions.Threads"/>).</summary>
    public const int Threads = 0;

    // The rule (NiceOptions' remarks state it; docs/tabular-design.md §1 has the evidence).
    public const int HiddenLayers = 2;
    public const int WidthPerDimension = 8, MinHiddenWidth = 32, MaxHiddenWidth = 128;
    public const int BatchDivisor = 10, MinBatchSize = 16, MaxBatchSize = 256;
    public const int MinEpochs = 300, MinSteps = 3000, MaxEpochs = 3000;
    public const int MinPatience = 30, MinPatienceSteps = 300;
    /// <summary>From <see cref="MinEnsembleRows"/> to this many training rows is the small-data regime: a
    /// cross-fitted ensemble.</summary>
    public const int SmallDataRows = 2000;
    /// <summary>Fewer rows than this train one flow (five folds of fewer than four rows would be empty too
    /// often).</summary>
    public const int MinEnsembleRows = 20;
    public const int EnsembleMembers = 5;
    public const double ValidationFraction = 0.1;
    /// <summary>Smoothing factor c when D ≤ n ≤ <see cref="MaxSmoothingRows"/>.</summary>
    public const double Smoothing = 0.5;
    public const int MaxSmoothingRows = 1000;
    /// <summary>The smoothing covariance is Σ̂ + this × (tr Σ̂ / D)·I.</summary>
    public const double SmoothingRidge = 1e-3;
    /// <summary>A kernel mixture's kernel nets, batch, epochs and patience (NiceOptions.KernelMixture): the settings
    /// the probe in docs/tabular-design.md measured.</summary>
    public const int KernelHiddenWidth = 64, KernelBatchSize = 32, KernelEpochs = 200, KernelPatience = 20;
    /// <summary>The prior of a kernel mixture's kernels: at the start each is the Gaussian kernel.</summary>
    public const NicePrior KernelPrior = NicePrior.Gaussian;

    // The NICE paper's MNIST model (NiceOptions.PaperMnist).
    public const int PaperHiddenLayers = 5, PaperHiddenWidth = 1000, PaperEpochs = 1500, PaperBatchSize = 200;

    // Without training data to look at (the engine's settings built directly, as the engine tests and benchmarks do).
    public const int FallbackEpochs = 100, FallbackBatchSize = 200, FallbackPatience = 10;

    /// <summary>
    /// The settings of a Fit: every option the user set, and the rule's choice for every one left null, from the
    /// training rows' <paramref name="scan"/>.
    /// </summary>
    public static NiceResolvedOptions Resolve(NiceOptions o, ColumnScan scan)
    {
        int n = scan.Rows, d = scan.Dimension;
        bool quantized = o.DequantizationLevels > 0;
        if (quantized) return Unchanged(o, n, d);
        // A whitened flow starts at the data's Gaussian (NiceOptions.Whitening): one flow, no input normalization and
        // no smoothing unless asked for (with Couplings = 0 it is the closed-form Gaussian).
        bool whitened = o.Whitening != NiceWhitening.None;
        int members = o.EnsembleMembers
            ?? (!whitened && n >= MinEnsembleRows && n <= SmallDataRows ? EnsembleMembers : 1);
        // Fewer rows than columns: one kernel on every training row (docs/tabular-design.md, last sections).
        bool kernel = o.KernelMixture ?? (!whitened && n < d && members >= 2 && n <= SmallDataRows);
        if (kernel) return KernelSettings(o, scan, members);
        double validation = o.ValidationFraction ?? ValidationFraction;
        int width = o.HiddenWidth ?? Math.Clamp(WidthPerDimension * d, MinHiddenWidth, MaxHiddenWidth);
        int batch = o.BatchSize ?? Math.Clamp(n / BatchDivisor, MinBatchSize, MaxBatchSize);
        double trainRows = members >= 2 ? n * (members - 1.0) / members : n * (1 - validation);
        int steps = Math.Max(1, (int)Math.Ceiling(trainRows / batch));
        int epochs = o.Epochs ?? Math.Clamp((int)Math.Ceiling((double)MinSteps / steps), MinEpochs, MaxEpochs);
        int patience = o.EarlyStoppingPatience
            ?? Math.Max(MinPatience, (int)Math.Ceiling((double)MinPatienceSteps / steps));
        double smoothing = o.Smoothing ?? (!whitened && d <= n && n <= MaxSmoothingRows ? Smoothing : 0);
        // Fewer rows than columns: the held-out NLL peaks long before the flow stops ranking new rows better
        // (docs/tabular-design.md), so every flow trains its whole budget and keeps the last epoch.
        bool earlyStopping = o.EarlyStopping ?? (whitened || n >= d);
        return new NiceResolvedOptions(n, d, o.HiddenLayers ?? HiddenLayers, width, epochs, batch, patience,
            validation, members, o.InputNormalization ?? !whitened, smoothing, Kinds(o, scan, quantized))
        {
            EarlyStopping = earlyStopping,
        };
    }

    /// <summary>
    /// A kernel mixture's settings: the kernel nets 2 × 64 (hidden layers and width unless set), batch 32, at most 200
    /// epochs with patience 20 on the out-of-fold NLL of every row, no input normalization or smoothing unless set.
    /// </summary>
    private static NiceResolvedOptions KernelSettings(NiceOptions o, ColumnScan scan, int members)
    {
        int n = scan.Rows, d = scan.Dimension;
        if (members < 2)
            throw new ArgumentException($"NiceOptions.KernelMixture needs EnsembleMembers >= 2 (its kernels are " +
                $"cross-fitted on folds); this Fit has {members} (set EnsembleMembers, or give at least " +
                $"{MinEnsembleRows} rows).", nameof(NiceOptions.KernelMixture));
        if (n >= ColumnScan.MaxRows)
            throw new ArgumentException($"NiceOptions.KernelMixture holds every training row and supports fewer than " +
                $"{ColumnScan.MaxRows:N0}; the data has at least that many. Train a flow (KernelMixture = false).",
                nameof(NiceOptions.KernelMixture));
        if (n < 2 * members)
            throw new ArgumentException($"NiceOptions.KernelMixture needs at least two rows per fold: {n} rows for " +
                $"{members} folds.", nameof(NiceOptions.KernelMixture));
        return new NiceResolvedOptions(n, d, o.HiddenLayers ?? HiddenLayers, o.HiddenWidth ?? KernelHiddenWidth,
            o.Epochs ?? KernelEpochs, o.BatchSize ?? KernelBatchSize, o.EarlyStoppingPatience ?? KernelPatience,
            o.ValidationFraction ?? ValidationFraction, members, false, o.Smoothing ?? 0, Kinds(o, scan, false))
        {
            EarlyStopping = o.EarlyStopping ?? true,
            KernelMixture = true,
        };
    }

    /// <summary>
    /// Quantized data (<see cref="NiceOptions.DequantizationLevels"/> set: images) keep the defaults they had before
    /// the rule: the paper's 5 × 1000 couplings, ≤ 100 epochs of batch 200, patience 10, one flow with 10% held out,
    /// no input normalization, smoothing or column detection. The rule was measured on tables; on Fashion-MNIST it was
    /// checked on two classes only, too little to change the image defaults (docs/tabular-design.md).
    /// </summary>
    private static NiceResolvedOptions Unchanged(NiceOptions o, int n, int d)
    {
        var kinds = Enumerable.Repeat(NiceColumnKind.Continuous, d).ToArray();
        return new NiceResolvedOptions(n, d, o.HiddenLayers ?? PaperHiddenLayers, o.HiddenWidth ?? PaperHiddenWidth,
            o.Epochs ?? FallbackEpochs, o.BatchSize ?? FallbackBatchSize, o.EarlyStoppingPatience ?? FallbackPatience,
            o.ValidationFraction ?? ValidationFraction, o.EnsembleMembers ?? 1, o.InputNormalization ?? false,
            o.Smoothing ?? 0, kinds) { EarlyStopping = o.EarlyStopping ?? true };
    }

    /// <summary>
    /// Each column's kind: the user's override, else (unless detection is off or the data are quantized by
    /// <see cref="NiceOptions.DequantizationLevels"/>) what the scan saw; constant columns get noise of the median
    /// standard deviation of the other columns.
    /// </summary>
    private static NiceColumnKind[] Kinds(NiceOptions o, ColumnScan scan, bool quantized)
    {
        int d = scan.Dimension;
        bool detect = !quantized && (o.DetectColumnKinds ?? true);
        var kinds = new NiceColumnKind[d];
        var spread = scan.StandardDeviation.Where(s => s > 0).OrderBy(s => s).ToArray();
        double width = spread.Length == 0 ? 1 : spread[spread.Length / 2];
        for (int j = 0; j < d; j++)
        {
            if (o.ColumnKinds is { } overrides && overrides.TryGetValue(j, out var kind)) kinds[j] = kind;
            else if (!detect) kinds[j] = NiceColumnKind.Continuous;
            else
            {
                var shape = scan.Shapes[j];
                kinds[j] = shape.Constant ? NiceColumnKind.Constant(width)
                    : shape.Discrete ? NiceColumnKind.Discrete(shape.Step)
                    : NiceColumnKind.Continuous;
            }
        }
        return kinds;
    }

    /// <summary>
    /// The training noise of a resolved Fit: the columns' dequantization widths, and the smoothing factor σ·L with σ =
    /// c·n^(−1/(D+4)) (Scott's rule) and L·Lᵀ = Σ̂ + ridge·(tr Σ̂/D)·I; null when there is neither.
    /// </summary>
    public static TrainingNoise? Noise(NiceResolvedOptions r, ColumnScan scan)
    {
        var steps = r.ColumnKinds.Select(k => (float)k.Step).ToArray();
        float[]? smoothing = null;
        if (r.Smoothing > 0 && scan.Covariance is { } cov)
        {
            int d = r.Dimension;
            double sigma = r.Smoothing * Math.Pow(Math.Max(1, r.Rows), -1.0 / (d + 4));
            double ridge = SmoothingRidge * Enumerable.Range(0, d).Average(j => cov[j * d + j]);
            smoothing = Cholesky.Lower(cov, d, Math.Max(ridge, 1e-300)).Select(v => (float)(v * sigma)).ToArray();
        }
        return steps.Any(s => s > 0) || smoothing != null ? new TrainingNoise(steps, smoothing) : null;
    }

    /// <summary>True when the rule needs the training rows' covariance (smoothing may be on).</summary>
    public static bool NeedsCovariance(NiceOptions o, int dimension)
        => o.Smoothing is not 0.0 && o.DequantizationLevels == 0 && dimension <= MaxSmoothingRows;
}
