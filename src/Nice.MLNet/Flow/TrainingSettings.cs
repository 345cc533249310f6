using System;
using System.Threading;

namespace Nice.MLNet.Flow;

/// <summary>Maximum-likelihood training settings of the engine (the ML.NET face maps NiceOptions onto these).</summary>
internal sealed record TrainingSettings
{
    public int Epochs { get; init; } = 100;
    public int BatchSize { get; init; } = 200;
    public double LearningRate { get; init; } = 1e-3;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.99;
    public double AdamEpsilon { get; init; } = 1e-4;
    public double WeightDecay { get; init; }
    /// <summary>Clip the gradient's global L2 norm to this value; 0 = no clipping.</summary>
    public double GradientClipNorm { get; init; }
    public double ValidationFraction { get; init; } = 0.1;
    /// <summary>Stop after this many epochs without a better validation NLL; 0 = never stop early.</summary>
    public int EarlyStoppingPatience { get; init; } = 10;
    /// <summary>Stop after the first epoch that ends this long after training started (never mid-epoch); null = no limit.</summary>
    public TimeSpan? MaxTrainingTime { get; init; }
    public int Seed { get; init; }
    /// <summary>Copy the training rows into one tensor once (fast); off = stream them from the source each epoch.</summary>
    public bool CacheInMemory { get; init; } = true;
    /// <summary>
    /// When streaming (<see cref="CacheInMemory"/> off), run a generation-0 garbage collection every this many steps; 0 = never.
    /// Each step leaves ~50 KB of small managed objects (TorchSharp's tensor wrappers, iterators); left alone, the .NET GC lets its
    /// young generation grow to its budget (16 MB on this 32 MB-L3 CPU, more under Server GC on many cores) before collecting, which
    /// made the peak depend on epoch length. A gen-0 collection of so small a heap costs well under a millisecond.
    /// </summary>
    public int StreamingGen0Interval { get; init; } = 64;
    /// <summary>Rows held by the streaming shuffle pool (memory bound when not caching).</summary>
    public int ShufflePoolRows { get; init; } = 10_000;
    public Dequantization? Dequantization { get; init; }
    /// <summary>Start with the flow mapping the data to zero mean and the prior's scale (see <see cref="DataInit"/>).</summary>
    public bool DataDependentInit { get; init; } = true;
    /// <summary>Use the one-pass CPU Adam (<see cref="FusedAdam"/>) when the parameters allow it; off = TorchSharp's optim.Adam (same math).</summary>
    public bool FusedAdam { get; init; } = true;
    public string Device { get; init; } = "cpu";
    public Action<NiceEpochReport>? Progress { get; init; }
    public CancellationToken Cancellation { get; init; }

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be >= 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be >= 1 (the paper's code uses 200).");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be a finite number > 0 (the paper uses 1e-3).");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, "Beta1 must be in [0, 1) (the paper uses 0.9).");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, "Beta2 must be in [0, 1) (the paper's \"0.01\" is 1 − β₂, so β₂ = 0.99).");
        if (!(AdamEpsilon > 0)) throw new ArgumentOutOfRangeException(nameof(AdamEpsilon), AdamEpsilon, "AdamEpsilon must be > 0 (the paper uses 1e-4).");
        if (!(WeightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "WeightDecay must be >= 0.");
        if (!(GradientClipNorm >= 0)) throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), GradientClipNorm, "GradientClipNorm must be >= 0 (0 = off).");
        if (!(ValidationFraction >= 0 && ValidationFraction < 1)) throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "ValidationFraction must be in [0, 1).");
        if (EarlyStoppingPatience < 0) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "EarlyStoppingPatience must be >= 0 (0 = off).");
        if (MaxTrainingTime is { } limit && limit <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MaxTrainingTime), limit, "MaxTrainingTime must be positive (null = no limit).");
        if (StreamingGen0Interval < 0) throw new ArgumentOutOfRangeException(nameof(StreamingGen0Interval), StreamingGen0Interval, "StreamingGen0Interval must be >= 0 (0 = off).");
        if (ShufflePoolRows < 1) throw new ArgumentOutOfRangeException(nameof(ShufflePoolRows), ShufflePoolRows, "ShufflePoolRows must be >= 1.");
        if (Device != "cpu" && !Device.StartsWith("cuda", StringComparison.Ordinal))
            throw new ArgumentOutOfRangeException(nameof(Device), Device, "Device must be \"cpu\" or \"cuda\" (or \"cuda:N\").");
        Dequantization?.Validate();
    }
}
