using System;
using System.Collections.Generic;
using System.Globalization;

namespace Nice.MLNet.Cli;

/// <summary>Options of the form <c>--name value</c> and flags <c>--name</c>; every option read must be known, or the command fails with the unknown name.</summary>
public sealed class Args
{
    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> read = new(StringComparer.Ordinal);

    public Args(IReadOnlyList<string> argv)
    {
        for (int i = 0; i < argv.Count; i++)
        {
            string a = argv[i];
            if (!a.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Unexpected argument '{a}': options look like --name value.");
            string name = a[2..];
            string? value = i + 1 < argv.Count && !argv[i + 1].StartsWith("--", StringComparison.Ordinal) ? argv[++i] : null;
            values[name] = value;
        }
    }

    public bool Flag(string name) { read.Add(name); return values.ContainsKey(name); }

    public string? String(string name) { read.Add(name); return values.TryGetValue(name, out var v) ? v : null; }

    public string String(string name, string fallback) => String(name) ?? fallback;

    public int Int(string name, int fallback) => Parse(name, fallback, s => int.Parse(s, CultureInfo.InvariantCulture));

    public double Double(string name, double fallback) => Parse(name, fallback, s => double.Parse(s, CultureInfo.InvariantCulture));

    private T Parse<T>(string name, T fallback, Func<string, T> parse)
    {
        var s = String(name);
        if (s is null) return fallback;
        try { return parse(s); }
        catch (FormatException) { throw new ArgumentException($"--{name}: '{s}' is not a valid {typeof(T).Name}."); }
    }

    /// <summary>Throws when an option was given that the command never read.</summary>
    public void ThrowOnUnknown()
    {
        foreach (var k in values.Keys)
            if (!read.Contains(k)) throw new ArgumentException($"Unknown option --{k}.");
    }
}
