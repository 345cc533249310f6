using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;

namespace Nice.MLNet.Flow;

/// <summary>
/// Sets <c>OMP_WAIT_POLICY=PASSIVE</c> for the process when Nice.MLNet loads, before libtorch does, so libtorch's
/// OpenMP threads sleep at the end of a parallel operation instead of spinning for their partner. On a busy machine a
/// spinning thread burns the core its descheduled partner needs: a small tabular fit took 147 s instead of 7 s with
/// libtorch's default two threads, and PASSIVE removed the collapse (docs/perf-design.md §3). OpenMP reads the variable
/// once, when its runtime loads, so this is done only when it can still take effect and the user has not chosen:
/// nothing when <c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c> is set, or when libtorch (or libgomp) is already
/// loaded. The README says so; <c>OMP_WAIT_POLICY=ACTIVE</c> opts out.
/// </summary>
internal static class OpenMpWaitPolicy
{
    /// <summary>What happened when the library loaded.</summary>
    public enum Decision
    {
        /// <summary>OMP_WAIT_POLICY=PASSIVE was set.</summary>
        Set,
        /// <summary>The user set OMP_WAIT_POLICY or GOMP_SPINCOUNT: left alone.</summary>
        UserChoice,
        /// <summary>libtorch or its OpenMP runtime was loaded already: too late to matter, left alone.</summary>
        TooLate,
        /// <summary>Setting it failed (the message says why); nothing changed.</summary>
        Failed,
    }

    /// <summary>The decision made when the module loaded.</summary>
    public static Decision Outcome { get; private set; } = Decision.Failed;

#pragma warning disable CA2255   // a library module initializer, on purpose: it must run before libtorch loads
    [ModuleInitializer]
    internal static void OnModuleLoad()
#pragma warning restore CA2255
    {
        try
        {
            Outcome = Decide(NativeEnvironment.Get, OpenMpLoaded);
            if (Outcome == Decision.Set) NativeEnvironment.Set("OMP_WAIT_POLICY", "PASSIVE");
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException
                                  or DllNotFoundException or EntryPointNotFoundException)
        {
            Outcome = Decision.Failed;
        }
    }

    /// <summary>
    /// True when libtorch's OpenMP threads sleep at barriers: the library set PASSIVE, or the user's environment says
    /// PASSIVE.
    /// </summary>
    public static bool PassiveWaiting => Outcome == Decision.Set
        || string.Equals(NativeEnvironment.Get("OMP_WAIT_POLICY"), "PASSIVE", StringComparison.OrdinalIgnoreCase);

    /// <summary>The rule, given how to read the environment and whether OpenMP is loaded.</summary>
    public static Decision Decide(Func<string, string?> getenv, Func<bool> openMpLoaded)
    {
        if (getenv("OMP_WAIT_POLICY") != null || getenv("GOMP_SPINCOUNT") != null) return Decision.UserChoice;
        return openMpLoaded() ? Decision.TooLate : Decision.Set;
    }

    /// <summary>True when libtorch or an OpenMP runtime is mapped into this process.</summary>
    public static bool OpenMpLoaded()
    {
        static bool IsOpenMp(string name) => name.Contains("libtorch_cpu", StringComparison.Ordinal)
            || name.Contains("libgomp", StringComparison.Ordinal) || name.Contains("libiomp", StringComparison.Ordinal)
            || name.Contains("libomp", StringComparison.Ordinal) || name.Contains("torch_cpu.dll",
                StringComparison.OrdinalIgnoreCase);
        if (OperatingSystem.IsLinux() && File.Exists("/proc/self/maps"))
            return File.ReadLines("/proc/self/maps").Any(IsOpenMp);
        using var self = Process.GetCurrentProcess();
        return self.Modules.Cast<ProcessModule>().Any(m => IsOpenMp(m.ModuleName));
    }
}
