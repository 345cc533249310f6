using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// Sets libtorch's thread count around a piece of work and restores it afterwards. <c>torch.set_num_threads</c> stores
/// a process-wide value and sets the <b>calling</b> thread's OpenMP and MKL counts; other threads take the stored
/// value when they first run a parallel operation. So the count is set and restored on the thread that does the work
/// (CPU autograd runs backward on the calling thread), and a thread that makes its first torch call while the work
/// runs inherits the work's count.
/// </summary>
internal static class LibTorchThreads
{
    /// <summary>
    /// Sets the count to <paramref name="threads"/> when it is ≥ 1 and differs from the current one; returns what to
    /// pass to <see cref="Restore"/> (the previous count, or 0 when nothing changed).
    /// </summary>
    public static int Set(int threads)
    {
        if (threads < 1) return 0;
        int previous = get_num_threads();
        if (previous == threads) return 0;
        set_num_threads(threads);
        return previous;
    }

    /// <summary>Puts back the count <see cref="Set"/> replaced (nothing when it returned 0).</summary>
    public static void Restore(int previous)
    {
        if (previous > 0) set_num_threads(previous);
    }
}
