using System;
using System.Collections.Generic;
using System.Threading;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Perf;

/// <summary>
/// What torch.set_num_threads changes, seen from other threads (docs/perf-design.md §3): thread B runs a parallel op first
/// (libtorch initializes its per-thread OpenMP/MKL counts lazily), then the main thread sets a new count; B, a thread started
/// afterwards (C), and the main thread report get_num_threads; then the main thread restores the old count.
/// </summary>
public static class ThreadsApiCommand
{
    public static int Run(Args args)
    {
        args.ThrowOnUnknown();
        var seen = new Dictionary<string, object?>();
        int Probe()
        {
            using var scope = NewDisposeScope();
            rand(512, 512).mm(rand(512, 512)).sum().item<float>();   // a parallel op: initializes this thread's counts
            return torch.get_num_threads();
        }
        seen["main_before"] = Probe();
        using var setDone = new ManualResetEventSlim();
        using var bReady = new ManualResetEventSlim();
        int bBefore = 0, bAfter = 0, c = 0;
        var b = new Thread(() => { bBefore = Probe(); bReady.Set(); setDone.Wait(); bAfter = Probe(); });
        b.Start();
        bReady.Wait();
        int previous = torch.get_num_threads();
        torch.set_num_threads(1);
        seen["main_after_set_1"] = Probe();
        setDone.Set();
        b.Join();
        var t = new Thread(() => c = Probe());
        t.Start();
        t.Join();
        torch.set_num_threads(previous);
        seen["B_before"] = bBefore;
        seen["B_after_main_set_1"] = bAfter;
        seen["C_started_after_set_1"] = c;
        seen["main_after_restore"] = Probe();
        int d = 0;
        var u = new Thread(() => d = Probe());
        u.Start();
        u.Join();
        seen["D_started_after_restore"] = d;
        Result.Print(seen);
        return 0;
    }
}
