using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Nice.MLNet.Anomaly;

/// <summary>
/// The coder's settings as one line of text, e.g. <c>nice-complexity/1 levels=256 step=1 offset=0 compressor=Deflate
/// width=28 modelLevels=256</c>: written into a saved model (an Expression transform's constant and the ONNX metadata)
/// and parsed back by the stateless <see cref="InputComplexityScoreFactory"/> on every row, so the last parse is
/// cached.
/// </summary>
internal sealed partial record InputComplexity
{
    private const string Header = "nice-complexity/1";
    private static volatile Tuple<string, InputComplexity>? lastParsed;

    public string ToText() => string.Create(CultureInfo.InvariantCulture,
        $"{Header} levels={Levels} step={Step:R} offset={Offset:R} compressor={Compressor} width={ImageWidth} " +
            $"modelLevels={ModelLevels}");

    /// <summary>Reads <see cref="ToText"/>'s output; throws <see cref="InvalidDataException"/> saying what is
    /// wrong.</summary>
    public static InputComplexity Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (lastParsed is { } cached && string.Equals(cached.Item1, text, StringComparison.Ordinal))
            return cached.Item2;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts[0] != Header)
            throw new InvalidDataException($"The input-complexity settings '{text}' do not start with '{Header}'.");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in parts[1..])
        {
            int eq = part.IndexOf('=');
            if (eq <= 0)
                throw new InvalidDataException($"The input-complexity settings '{text}' have '{part}', not key=value.");
            values[part[..eq]] = part[(eq + 1)..];
        }
        string Get(string key) => values.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"The input-complexity settings '{text}' lack '{key}'.");
        int Int(string key, int min)
            => int.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min ? v
            : throw new InvalidDataException($"The input-complexity settings '{text}': {key} must be an integer >= " +
                $"{min}.");
        double Real(string key, bool positive)
            => double.TryParse(Get(key), NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            && double.IsFinite(v) && (!positive || v > 0) ? v
            : throw new InvalidDataException($"The input-complexity settings '{text}': {key} must be a finite " +
                $"number{(positive ? " > 0" : "")}.");
        var compressor = Enum.TryParse<NiceComplexityCompressor>(Get("compressor"), out var c) && Enum.IsDefined(c) ? c
            : throw new InvalidDataException($"The input-complexity settings '{text}': compressor must be one of " +
                $"{string.Join(", ", Enum.GetNames<NiceComplexityCompressor>())}.");
        int modelLevels = Int("modelLevels", 0);
        if (modelLevels == 1)
            throw new InvalidDataException($"The input-complexity settings '{text}': modelLevels must be 0 or >= 2.");
        var parsed = new InputComplexity(Int("levels", 2), Real("step", true), Real("offset", false), compressor,
            Int("width", 0), modelLevels);
        lastParsed = Tuple.Create(text, parsed);
        return parsed;
    }
}
