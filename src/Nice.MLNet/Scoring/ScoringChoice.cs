using System;

namespace Nice.MLNet.Scoring;

/// <summary>How a model scores: the engine asked for (resolved by <see cref="ScoringEngines.Resolve"/>) and the thread
/// count (0 = automatic), with the device the model lives on.</summary>
internal sealed record ScoringChoice(NiceScoringEngine Engine, int Threads, string Device)
{
    /// <summary>A model read from a file, unless the loader is told otherwise: automatic engine and threads,
    /// CPU.</summary>
    public static ScoringChoice Loaded(NiceScoringEngine engine, int threads)
    {
        if (!Enum.IsDefined(engine))
            throw new ArgumentOutOfRangeException("scoringEngine", engine, "Must be Auto, OnnxRuntime or TorchSharp.");
        if (threads < 0)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "Must be >= 0 (0 = automatic).");
        return new ScoringChoice(engine, threads, NiceDefaults.Device);
    }
}
