using System;

namespace Nice.MLNet.Flow;

/// <summary>
/// The automatic thread count (<c>NiceOptions.Threads</c> = 0). With passive OpenMP waiting in effect (the library sets
/// <c>OMP_WAIT_POLICY=PASSIVE</c> before libtorch loads, see <see cref="OpenMpWaitPolicy"/>): one thread per core, for
/// every model — measured on a busy 2-core machine, two passive threads beat one for a small tabular fit (7.3 vs
/// 14.0 s) as for a Fashion-MNIST epoch (36.6 vs 51.2 s), so no model is worth a smaller count
/// (docs/perf/phase2-threads-*.log). Where libgomp may spin (the user chose a wait policy, or libtorch was loaded
/// before this library), a second thread collapses on a busy machine, so small models keep to one thread: those whose
/// largest matrix multiply per batch is under <see cref="SmallGemmFlops"/>.
/// </summary>
internal static class ThreadPolicy
{
    /// <summary>Largest per-batch GEMM (2·B·fan-in·fan-out FLOPs) still run on one thread when threads may
    /// spin.</summary>
    public const double SmallGemmFlops = 4e6;

    /// <summary>
    /// The FLOPs of the largest matrix multiply a batch of <paramref name="batch"/> rows runs through a flow of
    /// <paramref name="config"/>: the coupling MLPs' layers (|I₁| → W, W → W, W → |I₂| or 2·|I₂|) and LU mixing's
    /// D × D. A kernel mixture runs every row against its n training rows, so its batch is B·n rows.
    /// </summary>
    public static double LargestGemmFlops(FlowConfig config, int batch)
    {
        double rows = (double)batch * (config.KernelRows ?? 1);
        int d = config.Dimension, w = config.HiddenWidth;
        int first = (d + 1) / 2, second = d - d / 2;   // the larger half of either partition
        int outputs = config.Coupling == NiceCoupling.Affine ? 2 * second : second;
        double largest = 2.0 * rows * w * Math.Max(first, Math.Max(config.HiddenLayers > 1 ? w : 0, outputs));
        if (config.Mixing == NiceMixing.LU && config.Couplings > 1) largest = Math.Max(largest, 2.0 * rows * d * d);
        return largest;
    }

    /// <summary>libtorch's count for training or TorchSharp scoring in this process (see the class summary).</summary>
    public static int ForTorch(int requested, FlowConfig config, int batch)
        => ForTorch(requested, config, batch, OpenMpWaitPolicy.PassiveWaiting);

    /// <summary>
    /// <paramref name="requested"/> when it is ≥ 1; otherwise <see cref="Environment.ProcessorCount"/>, except with
    /// spinning threads (<paramref name="passive"/> false) for a model whose largest GEMM of a
    /// <paramref name="batch"/>-row batch is under <see cref="SmallGemmFlops"/>: 1.
    /// </summary>
    public static int ForTorch(int requested, FlowConfig config, int batch, bool passive)
        => requested >= 1 ? requested
            : passive || LargestGemmFlops(config, batch) >= SmallGemmFlops ? Environment.ProcessorCount : 1;

    /// <summary>
    /// ONNX Runtime's intra-op threads: <paramref name="requested"/> when ≥ 1, else one per core (its pool spins only
    /// briefly before blocking, and does not collapse on a busy machine: docs/perf-design.md §2).
    /// </summary>
    public static int ForOnnxRuntime(int requested) => requested >= 1 ? requested : Environment.ProcessorCount;
}
