using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;

namespace Nice.MLNet.Cli.Hosting;

/// <summary>
/// Typed options with their defaults in the help and one-line errors that name the option, the value and what was
/// expected: integers and numbers in a range (overflow included), choices, files and folders that must exist (paths are
/// relative to the working directory, where the user stands), and output folders.
/// </summary>
public static class CliOptions
{
    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>] with a default shown in the
    /// help.</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min = 1,
        int max = int.MaxValue)
        => new(name)
        {
            Description = $"{description} ({RangeText(min, max)})",
            HelpName = "N",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => ParseInt(r, name, min, max),
        };

    /// <summary>An optional integer: null when not given (the description says what that means).</summary>
    public static Option<int?> OptionalInt(string name, string description, int min = 1, int max = int.MaxValue)
        => new(name)
        {
            Description = $"{description} ({RangeText(min, max)})",
            HelpName = "N",
            CustomParser = r => ParseInt(r, name, min, max),
        };

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>] (or above min when <paramref
    /// name="exclusiveMin"/>).</summary>
    public static Option<double> Double(string name, string description, double defaultValue,
        double min = 0, double max = double.MaxValue, bool exclusiveMin = false)
        => new(name)
        {
            Description = $"{description} ({NumberRangeText(min, max, exclusiveMin)})",
            HelpName = "X",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => ParseDouble(r, name, min, max, exclusiveMin),
        };

    /// <summary>An optional finite number: null when not given.</summary>
    public static Option<double?> OptionalDouble(string name, string description,
        double min = 0, double max = double.MaxValue, bool exclusiveMin = false)
        => new(name)
        {
            Description = $"{description} ({NumberRangeText(min, max, exclusiveMin)})",
            HelpName = "X",
            CustomParser = r => ParseDouble(r, name, min, max, exclusiveMin),
        };

    /// <summary>One of <paramref name="choices"/> (exact, case-sensitive).</summary>
    public static Option<string> Choice(string name, string description, string defaultValue, params string[] choices)
        => new(name)
        {
            Description = description,
            HelpName = string.Join("|", choices),
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
            {
                string value = r.Tokens[0].Value;
                if (choices.Contains(value, StringComparer.Ordinal)) return value;
                if (IsOptionName(value))
                {
                    r.AddError($"{name} needs a value ({string.Join(", ", choices)}); '{value}' is the next option.");
                    return defaultValue;
                }
                r.AddError($"{name}: '{value}' is not one of {string.Join(", ", choices)}.");
                return defaultValue;
            },
        };

    /// <summary>A free text value (a column name, a list), optional.</summary>
    public static Option<string?> Text(string name, string description, string helpName)
        => new(name) { Description = description, HelpName = helpName };

    /// <summary>A flag: present = true. <c>--name false</c> also works.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>An existing file, relative to the working directory; the error gives the full path looked at.</summary>
    public static Option<FileInfo?> ExistingFile(string name, string description)
    {
        var option = new Option<FileInfo?>(name) { Description = description, HelpName = "FILE" };
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 1 && r.GetValueOrDefault<FileInfo?>() is { } file && !file.Exists)
                r.AddError($"{name}: file not found: {file.FullName}");
        });
        return option;
    }

    /// <summary>An existing folder, relative to the working directory.</summary>
    public static Option<DirectoryInfo?> ExistingFolder(string name, string description, string? defaultPath = null)
    {
        var option = new Option<DirectoryInfo?>(name) { Description = description, HelpName = "DIR" };
        if (defaultPath is not null) option.DefaultValueFactory = _ => new DirectoryInfo(defaultPath);
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 1 && r.GetValueOrDefault<DirectoryInfo?>() is { } dir && !dir.Exists)
                r.AddError($"{name}: folder not found: {dir.FullName}");
        });
        return option;
    }

    /// <summary>A folder that output goes to (created when needed), relative to the working directory.</summary>
    public static Option<DirectoryInfo> OutputFolder(string name, string description, string defaultPath)
        => new(name)
        {
            Description = description, HelpName = "DIR", DefaultValueFactory = _ => new DirectoryInfo(defaultPath),
        };

    /// <summary>A file that output goes to, relative to the working directory.</summary>
    public static Option<FileInfo?> OutputFile(string name, string description)
        => new(name) { Description = description, HelpName = "FILE" };

    private static int ParseInt(ArgumentResult r, string name, int min, int max)
    {
        string text = r.Tokens[0].Value;
        if (IsOptionName(text))
        {
            r.AddError($"{name} needs a value ({RangeText(min, max)}); '{text}' is the next option.");
            return min;
        }
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            bool integer = BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture,
                out var big);
            r.AddError(!integer ? $"{name}: '{text}' is not an integer ({RangeText(min, max)})."
                : big > max ? $"{name}: {text} is too large (the largest allowed is {max})."
                : $"{name}: {text} is too small (the smallest allowed is {min}).");
            return min;
        }
        if (value > max) r.AddError($"{name}: {text} is too large (the largest allowed is {max}).");
        else if (value < min) r.AddError($"{name}: {text} is too small (the smallest allowed is {min}).");
        return value;
    }

    private static double ParseDouble(ArgumentResult r, string name, double min, double max, bool exclusiveMin)
    {
        string text = r.Tokens[0].Value;
        string range = NumberRangeText(min, max, exclusiveMin);
        if (IsOptionName(text))
        {
            r.AddError($"{name} needs a value ({range}); '{text}' is the next option.");
            return min;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            || !double.IsFinite(value))
        {
            r.AddError($"{name}: '{text}' is not a finite number ({range}).");
            return min;
        }
        if (value < min || value > max || (exclusiveMin
            && value == min)) r.AddError($"{name}: {text} is out of range ({range}).");
        return value;
    }

    /// <summary>"--width" after "--epochs": the value was left out (System.CommandLine takes the next token as the
    /// value).</summary>
    private static bool IsOptionName(string text) => text.StartsWith("--", StringComparison.Ordinal);

    private static string RangeText(int min, int max)
        => max == int.MaxValue ? $"an integer >= {min}" : $"an integer from {min} to {max}";

    private static string NumberRangeText(double min, double max, bool exclusiveMin)
    {
        string low = string.Create(CultureInfo.InvariantCulture, $"{(exclusiveMin ? ">" : ">=")} {min:G}");
        return max == double.MaxValue ? $"a number {low}" : string.Create(CultureInfo.InvariantCulture, $"a number "
            + $"{low} and <= {max:G}");
    }
}
