using System;

namespace Nice.MLNet.Flow;

/// <summary>
/// The automatic thread count (<c>NiceOptions.Threads</c> = 0): one thread when the largest matrix multiply of a batch
/// is small, all cores otherwise. On small matrices a second thread spends more time meeting the first at the end of
/// each operation than it saves, and on a busy machine it waits for a partner that has no core; on large ones it
/// nearly halves the time (docs/perf-design.md §3).
/// </summary>
internal static class ThreadPolicy
{
    /// <summary>Largest per-batch GEMM (2·B·fan-in·fan-out FLOPs) still run on one thread.</summary>
    public const double SmallGemmFlops = 4e6;

    /// <summary>
    /// The FLOPs of the largest matrix multiply a batch of <paramref name="batch"/> rows runs through a flow of
    /// <paramref name="config"/>: the coupling MLPs' layers (|I₁| → W, W → W, W → |I₂| or 2·|I₂|) and LU mixing's
    /// D × D.
    /// </summary>
    public static double LargestGemmFlops(FlowConfig config, int batch)
    {
        int d = config.Dimension, w = config.HiddenWidth;
        int first = (d + 1) / 2, second = d - d / 2;   // the larger half of either partition
        int outputs = config.Coupling == NiceCoupling.Affine ? 2 * second : second;
        double largest = 2.0 * batch * w * Math.Max(first, Math.Max(config.HiddenLayers > 1 ? w : 0, outputs));
        if (config.Mixing == NiceMixing.LU && config.Couplings > 1) largest = Math.Max(largest, 2.0 * batch * d * d);
        return largest;
    }

    /// <summary>
    /// <paramref name="requested"/> when it is ≥ 1; otherwise 1 thread when the largest GEMM of a
    /// <paramref name="batch"/>-row batch is under <see cref="SmallGemmFlops"/>, else
    /// <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    public static int Threads(int requested, FlowConfig config, int batch)
        => requested >= 1 ? requested
            : LargestGemmFlops(config, batch) < SmallGemmFlops ? 1 : Environment.ProcessorCount;
}
