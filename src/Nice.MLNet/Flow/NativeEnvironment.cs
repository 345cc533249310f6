using System;
using System.Runtime.InteropServices;

namespace Nice.MLNet.Flow;

/// <summary>
/// The process's native environment, which native libraries (libgomp, libtorch) read. On Linux and macOS .NET keeps
/// its own copy of the environment, so <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach
/// them; libc's <c>setenv</c>/<c>getenv</c> do.
/// </summary>
internal static class NativeEnvironment
{
    [DllImport("libc", EntryPoint = "setenv", SetLastError = true)]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    private static bool UsesLibc => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    /// <summary>The variable's value, or null when it is not set.</summary>
    public static string? Get(string name)
    {
        if (!UsesLibc) return Environment.GetEnvironmentVariable(name);
        var p = GetEnv(name);
        return p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
    }

    /// <summary>Sets the variable (overwriting it) where native libraries will see it.</summary>
    public static void Set(string name, string value)
    {
        if (!UsesLibc)
        {
            Environment.SetEnvironmentVariable(name, value);
            return;
        }
        if (SetEnv(name, value, 1) != 0)
            throw new InvalidOperationException($"setenv({name}) failed: errno {Marshal.GetLastPInvokeError()}.");
    }
}
