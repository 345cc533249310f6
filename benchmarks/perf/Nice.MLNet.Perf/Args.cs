using System;
using System.Collections.Generic;
using System.Globalization;

namespace Nice.MLNet.Perf;

/// <summary>--name value pairs and --flags after the sub-command; unknown names are refused.</summary>
public sealed class Args
{
    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> read = new(StringComparer.Ordinal);

    public Args(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending != null) values[pending] = null;
                pending = a[2..];
            }
            else if (pending != null) { values[pending] = a; pending = null; }
            else throw new ArgumentException($"Unexpected argument '{a}' (options are --name value).");
        }
        if (pending != null) values[pending] = null;
    }

    public string String(string name, string fallback)
    {
        read.Add(name);
        return values.TryGetValue(name, out var v) && v != null ? v : fallback;
    }

    public int Int(string name, int fallback)
    {
        var s = String(name, fallback.ToString(CultureInfo.InvariantCulture));
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : throw new ArgumentException($"--{name}: '{s}' is not an integer.");
    }

    public bool Flag(string name)
    {
        read.Add(name);
        return values.ContainsKey(name);
    }

    public void ThrowOnUnknown()
    {
        foreach (var k in values.Keys)
            if (!read.Contains(k)) throw new ArgumentException($"Unknown option --{k}.");
    }
}
