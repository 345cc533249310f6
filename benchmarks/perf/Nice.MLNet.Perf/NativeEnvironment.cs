using System;
using System.Runtime.InteropServices;

namespace Nice.MLNet.Perf;

/// <summary>The process's native environment (libc), which native libraries read; .NET's own copy does not reach it on Unix.</summary>
public static class NativeEnvironment
{
    [DllImport("libc", EntryPoint = "setenv", SetLastError = true)]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetEnv(string name);

    public static void Set(string name, string value)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) { Environment.SetEnvironmentVariable(name, value); return; }
        if (SetEnv(name, value, 1) != 0) throw new InvalidOperationException($"setenv({name}) failed: errno {Marshal.GetLastWin32Error()}.");
    }

    public static string? Get(string name)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return Environment.GetEnvironmentVariable(name);
        var p = GetEnv(name);
        return p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
    }
}
