using System;
using TorchSharp;

namespace Nice.MLNet.Cli.Hosting;

/// <summary>
/// Sets libtorch's intra-op thread count for the length of a command and restores the previous count on dispose, so a
/// command run inside a longer-lived process (a test host) leaves the process as it found it.
/// </summary>
public sealed class TorchThreads : IDisposable
{
    private readonly int previous;
    private bool restored;

    private TorchThreads(int? threads)
    {
        previous = torch.get_num_threads();
        if (threads is int n) torch.set_num_threads(n);
    }

    /// <summary>Uses <paramref name="threads"/> threads (null = leave the count as it is) until disposed.</summary>
    public static TorchThreads Use(int? threads) => new(threads);

    /// <summary>The thread count in use now.</summary>
    public static int Current => torch.get_num_threads();

    public void Dispose()
    {
        if (restored) return;
        restored = true;
        torch.set_num_threads(previous);
    }
}
