using System;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// TorchSharp initializes layers from its one process-wide generator. To make "same seed, same model" hold when several
/// models are built at once (parallel Fits, parallel tests), every seed-then-build goes through this one lock.
/// Code outside Nice.MLNet that draws from TorchSharp's global generator at the same moment can still perturb it.
/// </summary>
internal static class GlobalRandom
{
    public static readonly object Lock = new();

    /// <summary>Seeds the global generator and runs <paramref name="build"/> under the lock.</summary>
    public static T Seeded<T>(long seed, Func<T> build)
    {
        lock (Lock)
        {
            random.manual_seed(seed);
            return build();
        }
    }
}
