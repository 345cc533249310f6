using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace Nice.MLNet.Perf;

/// <summary>Names the machine and its load, for every printed result.</summary>
public static class Machine
{
    public static string CpuModel
    {
        get
        {
            var line = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
            return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    public static string Describe() =>
        $"{CpuModel}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
}
