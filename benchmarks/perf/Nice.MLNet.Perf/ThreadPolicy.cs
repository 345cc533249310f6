using System;
using System.IO;
using System.Linq;
using TorchSharp;

namespace Nice.MLNet.Perf;

/// <summary>
/// Prototype of the thread policy proposed for phase 2 (docs/perf-design.md §3), measured by <c>threads --threads auto</c>:
/// (1) passive OpenMP waiting, set before libtorch loads unless the user chose a wait policy or libtorch is already loaded;
/// (2) one thread when the coupling MLP's largest GEMM per batch is small, all cores otherwise; (3) set around the work and
/// restored afterwards on the same thread.
/// </summary>
public static class ThreadPolicy
{
    /// <summary>Largest per-batch GEMM (2·B·fan-in·out, in FLOPs) still run on one thread.</summary>
    public const double SmallGemmFlops = 4e6;

    /// <summary>Sets OMP_WAIT_POLICY=PASSIVE in the native environment when that can still take effect; says what it did.</summary>
    public static string EnsurePassiveWaiting()
    {
        if (NativeEnvironment.Get("OMP_WAIT_POLICY") is { } user) return $"left alone: OMP_WAIT_POLICY={user} set by the user";
        if (NativeEnvironment.Get("GOMP_SPINCOUNT") is { } spin) return $"left alone: GOMP_SPINCOUNT={spin} set by the user";
        if (LibTorchLoaded()) return "too late: libtorch (and its OpenMP runtime) is already loaded";
        NativeEnvironment.Set("OMP_WAIT_POLICY", "PASSIVE");
        return "set OMP_WAIT_POLICY=PASSIVE for this process";
    }

    /// <summary>The automatic thread count for a model: 1 for small GEMMs, else the cores.</summary>
    public static int AutoThreads(int batch, int dimension, int width)
    {
        int half = (dimension + 1) / 2;
        double largest = 2.0 * batch * Math.Max(half, width) * width;
        return largest < SmallGemmFlops ? 1 : Environment.ProcessorCount;
    }

    /// <summary>Runs <paramref name="work"/> with libtorch set to <paramref name="threads"/>, restoring the previous count.</summary>
    public static T With<T>(int threads, Func<T> work)
    {
        int previous = torch.get_num_threads();
        if (previous != threads) torch.set_num_threads(threads);
        try { return work(); }
        finally { if (previous != threads) torch.set_num_threads(previous); }
    }

    private static bool LibTorchLoaded()
    {
        if (!File.Exists("/proc/self/maps")) return false;
        return File.ReadLines("/proc/self/maps").Any(l => l.Contains("libtorch_cpu", StringComparison.Ordinal)
                                                      || l.Contains("libgomp", StringComparison.Ordinal));
    }
}
