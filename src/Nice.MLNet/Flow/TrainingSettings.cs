using System;
using System.Threading;

namespace Nice.MLNet.Flow;

/// <summary>
/// Maximum-likelihood training settings of the engine. The ML.NET face fills every one from <c>NiceOptions</c> (where
/// each default and range is documented); only the engine's own knobs, which no option exposes, have values here.
/// </summary>
internal sealed record TrainingSettings
{
    public required int Epochs { get; init; }
    public required int BatchSize { get; init; }
    public required double LearningRate { get; init; }
    public required double Beta1 { get; init; }
    public required double Beta2 { get; init; }
    public required double AdamEpsilon { get; init; }
    public required double WeightDecay { get; init; }
    /// <summary>Clip the gradient's global L2 norm to this value; 0 = no clipping.</summary>
    public required double GradientClipNorm { get; init; }
    public required double ValidationFraction { get; init; }
    /// <summary>Stop after this many epochs without a better validation NLL; 0 = never stop early.</summary>
    public required int EarlyStoppingPatience { get; init; }
    /// <summary>Pick the epoch on the held-out rows (keep the best one, stop after
    /// <see cref="EarlyStoppingPatience"/>); false = run every epoch and keep the last weights (the held-out NLL is
    /// still reported).</summary>
    public bool KeepBestEpoch { get; init; } = true;
    /// <summary>Stop after the first epoch that ends this long after training started (never mid-epoch); null = no
    /// limit.</summary>
    public required TimeSpan? MaxTrainingTime { get; init; }
    public required int Seed { get; init; }
    /// <summary>Copy the training rows into one tensor once (fast); off = stream them from the source each
    /// epoch.</summary>
    public required bool CacheInMemory { get; init; }
    /// <summary>Rows held by the streaming shuffle pool (memory bound when not caching).</summary>
    public required int ShufflePoolRows { get; init; }
    public required Dequantization? Dequantization { get; init; }
    /// <summary>Per-column dequantization and smoothing noise on the training rows (null = none).</summary>
    public TrainingNoise? Noise { get; init; }
    /// <summary>
    /// K ≥ 2: cross-fitting — the rows fall into K folds (by a seeded hash of the row index) and this run holds out
    /// fold <see cref="ValidationFold"/> instead of <see cref="ValidationFraction"/>; 0 = no folds.
    /// </summary>
    public int Folds { get; init; }
    /// <summary>The fold this run holds out, in [0, <see cref="Folds"/>).</summary>
    public int ValidationFold { get; init; }
    /// <summary>An ensemble member's index: its shuffling and noise streams are seeded with <see cref="Seed"/> +
    /// 7919·Member (the folds with <see cref="Seed"/> itself, the same for every member).</summary>
    public int Member { get; init; }

    /// <summary>The rows this run holds out.</summary>
    public HeldOutRows HeldOut => new(Seed, ValidationFraction, Folds, ValidationFold);

    /// <summary>The seed of this run's shuffling, noise and initialization streams.</summary>
    public int StreamSeed => unchecked(Seed + 7919 * Member);
    /// <summary>Start with the flow mapping the data to zero mean and the prior's scale (see
    /// <see cref="DataInit"/>).</summary>
    public required bool DataDependentInit { get; init; }
    public required string Device { get; init; }
    /// <summary>The whitening layer's shrinkage α in [0, 1]; null = Ledoit–Wolf (<see cref="Whitening"/>).</summary>
    public double? WhiteningShrinkage { get; init; }
    public Action<EpochReport>? Progress { get; init; }
    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// When streaming (<see cref="CacheInMemory"/> off), run a generation-0 garbage collection every this many steps; 0
    /// = never. Each step leaves ~50 KB of small managed objects (TorchSharp's tensor wrappers, iterators); left alone,
    /// the .NET GC lets its young generation grow to its budget (16 MB on this 32 MB-L3 CPU, more under Server GC on
    /// many cores) before collecting, which made the peak depend on epoch length. A gen-0 collection of so small a heap
    /// costs well under a millisecond.
    /// </summary>
    public int StreamingGen0Interval { get; init; } = 64;

    /// <summary>
    /// Use the one-pass CPU Adam (<see cref="FusedAdam"/>) when the parameters allow it; off = TorchSharp's optim.Adam
    /// (same math).
    /// </summary>
    public bool FusedAdam { get; init; } = true;

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range as
    /// "<paramref name="owner"/>.Name" (the face passes "NiceOptions", whose properties carry the same names).
    /// </summary>
    public void Validate(string owner = nameof(TrainingSettings))
    {
        var check = new SettingCheck(owner);
        check.AtLeast(Epochs, 1, nameof(Epochs));
        check.AtLeast(BatchSize, 1, nameof(BatchSize), "the paper's code uses 200");
        check.Positive(LearningRate, nameof(LearningRate), "the paper uses 1e-3");
        check.UnitInterval(Beta1, nameof(Beta1), "the paper uses 0.9");
        check.UnitInterval(Beta2, nameof(Beta2), "the paper's \"0.01\" is 1 − β₂, so β₂ = 0.99");
        check.Positive(AdamEpsilon, nameof(AdamEpsilon), "the paper uses 1e-4");
        check.NonNegative(WeightDecay, nameof(WeightDecay));
        check.NonNegative(GradientClipNorm, nameof(GradientClipNorm), "0 = off");
        check.UnitInterval(ValidationFraction, nameof(ValidationFraction));
        check.AtLeast(EarlyStoppingPatience, 0, nameof(EarlyStoppingPatience), "0 = off");
        if (MaxTrainingTime is { } limit && limit <= TimeSpan.Zero)
            check.Fail(nameof(MaxTrainingTime), limit, "must be positive (null = no limit)");
        check.AtLeast(ShufflePoolRows, 1, nameof(ShufflePoolRows));
        check.AtLeast(StreamingGen0Interval, 0, nameof(StreamingGen0Interval), "0 = off");
        if (Device is null || Device != "cpu" && !Device.StartsWith("cuda", StringComparison.Ordinal))
            check.Fail(nameof(Device), Device, "must be \"cpu\" or \"cuda\" (or \"cuda:N\")");
        if (WhiteningShrinkage is double a && !(a >= 0 && a <= 1))
            check.Fail(nameof(WhiteningShrinkage), a, "must be in [0, 1] (null = Ledoit–Wolf)");
        Dequantization?.Validate();
        Noise?.Validate();
        if (Folds == 1 || Folds < 0) check.Fail(nameof(Folds), Folds, "must be 0 (no folds) or >= 2");
        if (Folds >= 2 && (ValidationFold < 0 || ValidationFold >= Folds))
            check.Fail(nameof(ValidationFold), ValidationFold, $"must be in [0, {Folds})");
    }
}
