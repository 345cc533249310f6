using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using Nice.MLNet.Flow;

namespace Nice.MLNet.Onnx;

/// <summary>
/// The metadata_props the exporter writes and the importer requires. Keys starting with <see cref="ReservedPrefix"/>
/// belong to Nice.MLNet; the config and the dequantization are JSON (enums by name).
/// </summary>
internal static class NiceOnnxMetadata
{
    public const string ReservedPrefix = "nice.";
    /// <summary>The format marker; its value is <see cref="FormatVersion"/>.</summary>
    public const string FormatKey = "nice.format";
    public const string FormatVersion = "1";
    /// <summary>
    /// The format of models using NICE's successors (affine couplings, mixing, actnorm). A plain NICE model is still
    /// written as format <see cref="FormatVersion"/>, byte for byte as before; the others say "1.1", so a reader that
    /// predates them refuses them by name instead of failing on a missing weight. This version reads both.
    /// </summary>
    public const string SuccessorsFormatVersion = "1.1";
    /// <summary>
    /// The format of models using a part format 1.1 does not know (<see cref="FlowConfig.NeedsFormat12"/>: the input
    /// normalization layer); a reader that predates it refuses such a model by name.
    /// </summary>
    public const string InputNormFormatVersion = "1.2";

    /// <summary>
    /// The format of models with a whitening layer (<see cref="Flow.Whitening"/>: the initializers "whitening.mean"
    /// and "whitening.weight", and possibly no coupling), so that a reader which predates it refuses them by name.
    /// </summary>
    public const string WhiteningFormatVersion = "1.3";

    /// <summary>
    /// The format of models with a low-rank whitening (<see cref="FlowConfig.WhiteningRank"/>: the initializers
    /// "whitening.basis" and "whitening.gain", and a one-value "whitening.weight"), which a 1.3 reader would take for
    /// a malformed triangular one; such a reader refuses them by name.
    /// </summary>
    public const string LowRankWhiteningFormatVersion = "1.4";

    /// <summary>
    /// The format of kernel mixtures (<see cref="FlowConfig.KernelRows"/>: the initializers "centres" and "folds", and
    /// a graph over every training row), which a 1.4 reader would read as an ensemble of flows; it refuses them by
    /// name.
    /// </summary>
    public const string KernelFormatVersion = "1.5";

    /// <summary>The format of a flow with a radial step (<see cref="FlowConfig.Radial"/>): its basis
    /// and radius constants are initializers "….basis" and "….radius"; a 1.5 reader refuses it by name.</summary>
    public const string RadialFormatVersion = "1.6";

    /// <summary>The format a model of this config is written in.</summary>
    public static string FormatFor(FlowConfig config)
        => config.Radial ? RadialFormatVersion
            : config.KernelRows is not null ? KernelFormatVersion
            : config.WhiteningRank is not null ? LowRankWhiteningFormatVersion
            : config.Whitening != NiceWhitening.None ? WhiteningFormatVersion
            : config.IsPlainNice ? FormatVersion
            : config.NeedsFormat12 ? InputNormFormatVersion
            : SuccessorsFormatVersion;

    /// <summary>True for every format this version reads.</summary>
    public static bool IsKnownFormat(string format)
        => format is FormatVersion or SuccessorsFormatVersion or InputNormFormatVersion or WhiteningFormatVersion
            or LowRankWhiteningFormatVersion or KernelFormatVersion or RadialFormatVersion;
    public const string ConfigKey = "nice.config";
    /// <summary>Present only when the graph dequantizes its input.</summary>
    public const string DequantizationKey = "nice.dequantization";
    /// <summary>
    /// "sha256:…" over the graph and the other metadata (<see cref="ContentHash"/>); files written before it existed
    /// have none and load without the check.
    /// </summary>
    public const string ContentHashKey = "nice.contentHash";
    /// <summary>"forward" or "inverse".</summary>
    public const string GraphKey = "nice.graph";
    /// <summary>"true" for [N, D] inputs, "false" for one row [D].</summary>
    public const string BatchedKey = "nice.batched";

    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>
    /// The reserved entries, then the caller's (which must not use the reserved prefix), then the format marker. The
    /// marker is the last field of the model (see <see cref="OnnxModelBuilder.Build"/>), so a truncated file never
    /// passes for a complete one.
    /// </summary>
    public static List<KeyValuePair<string, string>> Compose(FlowConfig config, Dequantization? dq, NiceGraphKind kind,
        bool batched, IReadOnlyDictionary<string, string>? user)
    {
        var all = new List<KeyValuePair<string, string>>
        {
            new(ConfigKey, JsonSerializer.Serialize(config, Json)),
            new(GraphKey, kind == NiceGraphKind.Forward ? "forward" : "inverse"),
            new(BatchedKey, batched ? "true" : "false"),
        };
        if (dq != null) all.Add(new(DequantizationKey, JsonSerializer.Serialize(dq, Json)));
        if (user != null)
            foreach (var (k, v) in user)
            {
                if (k is null || k.StartsWith(ReservedPrefix, StringComparison.Ordinal))
                    throw new ArgumentException(
                        $"Metadata keys starting with \"{ReservedPrefix}\" are reserved for Nice.MLNet (got \"{k}\").",
                        nameof(user));
                all.Add(new(k, v ?? ""));
            }
        // The marker goes last and the metadata after the graph, so a file cut anywhere loses the marker and is
        // refused.
        all.Add(new(FormatKey, FormatFor(config)));
        return all;
    }

    /// <summary>
    /// Reads the config back; throws <see cref="InvalidDataException"/> when it is missing, not JSON, or out of range.
    /// </summary>
    public static FlowConfig ReadConfig(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(ConfigKey, out var json))
            throw new InvalidDataException(
                $"The ONNX model has no '{ConfigKey}' metadata: the flow's architecture is unknown.");
        var config = Deserialize<FlowConfig>(json, ConfigKey);
        try { config.Validate(); }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"The ONNX model's '{ConfigKey}' is invalid: {e.Message}", e);
        }
        return config;
    }

    /// <summary>
    /// Reads the dequantization back (null when absent); throws <see cref="InvalidDataException"/> when it is invalid.
    /// </summary>
    public static Dequantization? ReadDequantization(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(DequantizationKey, out var json)) return null;
        var dq = Deserialize<Dequantization>(json, DequantizationKey);
        try { dq.Validate(); }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"The ONNX model's '{DequantizationKey}' is invalid: {e.Message}", e);
        }
        return dq;
    }

    /// <summary>The graph's direction and batching; throws <see cref="InvalidDataException"/> if unknown.</summary>
    public static (NiceGraphKind Kind, bool Batched) ReadShape(IReadOnlyDictionary<string, string> metadata)
    {
        var kind = metadata.GetValueOrDefault(GraphKey) switch
        {
            "forward" => NiceGraphKind.Forward,
            "inverse" => NiceGraphKind.Inverse,
            var v => throw new InvalidDataException(
                $"The ONNX model's '{GraphKey}' is \"{v}\"; expected \"forward\" or \"inverse\"."),
        };
        var batched = metadata.GetValueOrDefault(BatchedKey) switch
        {
            "true" => true,
            "false" => false,
            var v => throw new InvalidDataException(
                $"The ONNX model's '{BatchedKey}' is \"{v}\"; expected \"true\" or \"false\"."),
        };
        return (kind, batched);
    }

    private static T Deserialize<T>(string json, string key) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Json)
                ?? throw new InvalidDataException($"The ONNX model's '{key}' is null.");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException)
        {
            throw new InvalidDataException(
                $"The ONNX model's '{key}' is not valid JSON for {typeof(T).Name}: {e.Message}", e);
        }
    }
}
