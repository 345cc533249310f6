using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace Nice.MLNet.Cli.Bench;

/// <summary>Names the machine a benchmark ran on.</summary>
public static class Machine
{
    public static string CpuModel
    {
        get
        {
            try
            {
                var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l =>
                    l.StartsWith("model name", StringComparison.Ordinal)) : null;
                return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
            }
            catch (IOException) { return RuntimeInformation.ProcessArchitecture.ToString(); }
        }
    }

    /// <summary>The 1, 5 and 15-minute load averages (Linux), or "n/a".</summary>
    public static string LoadAverage()
    {
        try { return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a"; }
        catch (IOException) { return "n/a"; }
    }

    public static string Describe() => $"{CpuModel}, {Environment.ProcessorCount} cores, "
        + $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}";
}
