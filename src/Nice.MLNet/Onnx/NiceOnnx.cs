using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Nice.MLNet.Flow;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Onnx;

/// <summary>
/// Exact ONNX export of a trained <see cref="NiceFlow"/> (forward: features → latent and log-likelihood; inverse:
/// latent → features), and the import that rebuilds the flow from those bytes. The graphs use the default ONNX
/// domain at opset <see cref="OnnxModelBuilder.Opset"/> and run in ONNX Runtime; weights are float32 initializers named
/// as in <c>flow.named_parameters()</c>; the metadata carries the format marker, the config and the dequantization.
/// </summary>
internal static class NiceOnnx
{
    /// <summary>
    /// The forward graph. Batched: input <paramref name="inputName"/> float [N, D] (symbolic N) →
    /// <paramref name="latentName"/> [N, D] and <paramref name="logLikelihoodName"/> [N]. Not batched: [D] → [D] and
    /// [1] (the shapes ML.NET's OnnxTransformer reads back correctly). The input is the raw data: with
    /// <paramref name="dq"/> the graph first applies <see cref="Dequantization.ToFlow"/> without noise, and the
    /// log-likelihood is the flow's (nats, density of the flow-space x).
    /// </summary>
    public static byte[] ExportForward(NiceFlow flow, Dequantization? dq, bool batched,
        IReadOnlyDictionary<string, string>? metadata = null, string inputName = "Features",
        string latentName = "Latent", string logLikelihoodName = "LogLikelihood")
    {
        var (builder, graph) = Begin(flow, dq);
        graph.Forward(dq, batched, inputName, latentName, logLikelihoodName);
        return builder.Build("NiceForward",
            NiceOnnxMetadata.Compose(flow.Config, dq, NiceGraphKind.Forward, batched, metadata));
    }

    /// <summary>
    /// The inverse graph: input <paramref name="latentName"/> float [N, D] (or [D]) → <paramref name="featuresName"/>
    /// of the same shape, on the raw data scale (<see cref="Dequantization.FromFlow"/> applied when
    /// <paramref name="dq"/> is set).
    /// </summary>
    public static byte[] ExportInverse(NiceFlow flow, Dequantization? dq, bool batched,
        IReadOnlyDictionary<string, string>? metadata = null, string latentName = "Latent",
        string featuresName = "Features")
    {
        var (builder, graph) = Begin(flow, dq);
        graph.Inverse(dq, batched, latentName, featuresName);
        return builder.Build("NiceInverse",
            NiceOnnxMetadata.Compose(flow.Config, dq, NiceGraphKind.Inverse, batched, metadata));
    }

    private static (OnnxModelBuilder, FlowGraph) Begin(NiceFlow flow, Dequantization? dq)
    {
        ArgumentNullException.ThrowIfNull(flow);
        dq?.Validate();
        var builder = new OnnxModelBuilder();
        return (builder, new FlowGraph(builder, flow));
    }

    /// <summary>Reads all of <paramref name="stream"/> and rebuilds the flow; see <see cref="Read(byte[])"/>.</summary>
    public static NiceOnnxModel Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Read(buffer.ToArray());
    }

    /// <summary>
    /// Rebuilds the flow from ONNX bytes written by <see cref="ExportForward"/> or <see cref="ExportInverse"/>: the
    /// config and dequantization from the metadata, every parameter from the initializer of the same name. Throws
    /// <see cref="InvalidDataException"/>, saying what is wrong, for anything else (not protobuf, truncated, no format
    /// marker, a missing weight, a weight of the wrong shape or type, a non-finite weight).
    /// </summary>
    public static NiceOnnxModel Read(byte[] bytes)
    {
        var contents = OnnxModelContents.Parse(bytes);
        if (!contents.HasGraph)
            throw ForeignModel.Exception("Not a Nice.MLNet ONNX model: the ONNX model has no graph.");
        if (!contents.Metadata.TryGetValue(NiceOnnxMetadata.FormatKey, out var format))
            throw ForeignModel.Exception(
                $"Not a Nice.MLNet ONNX model: the metadata has no '{NiceOnnxMetadata.FormatKey}' marker "
                + "(not written by Nice.MLNet's exporter, or truncated).");
        if (!NiceOnnxMetadata.IsKnownFormat(format))
            throw new InvalidDataException($"Unsupported Nice.MLNet ONNX format '{format}'; this version reads "
                + $"formats {NiceOnnxMetadata.FormatVersion}, {NiceOnnxMetadata.SuccessorsFormatVersion} and "
                + $"{NiceOnnxMetadata.InputNormFormatVersion}.");
        var config = NiceOnnxMetadata.ReadConfig(contents.Metadata);
        var dq = NiceOnnxMetadata.ReadDequantization(contents.Metadata);
        var (kind, batched) = NiceOnnxMetadata.ReadShape(contents.Metadata);
        CheckEnoughWeights(config, contents);

        var flow = new NiceFlow(config);
        try
        {
            LoadWeights(flow, contents);
            // Last, so that a file broken in a way the reader can name (a weight of the wrong shape, a bad permutation)
            // says so; a file that is well-formed but edited says that its content changed.
            contents.VerifyContentHash();
            flow.eval();
        }
        catch
        {
            flow.Dispose();
            throw;
        }
        var user = contents.Metadata
            .Where(e => !e.Key.StartsWith(NiceOnnxMetadata.ReservedPrefix, StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        return new NiceOnnxModel(flow, dq, user, kind, batched, contents.Inputs, contents.Outputs);
    }

    /// <summary>Refuses a config needing more weights than the file stores, before allocating the flow.</summary>
    private static void CheckEnoughWeights(FlowConfig config, OnnxModelContents contents)
    {
        double expected = ParameterCount(config);
        double stored = contents.Initializers.Values
            .Where(t => t.DataType == OnnxModelBuilder.FloatType)
            .Sum(t => (double)t.StoredFloats);
        if (expected > stored)
            throw new InvalidDataException($"The ONNX model's config ({config}) needs {expected:0} weights but the "
                + $"model stores only {stored:0} float values.");
    }

    /// <summary>The number of trainable parameters of a flow with this config (all members of an ensemble).</summary>
    public static double ParameterCount(FlowConfig c)
    {
        if (c.Members is int members) return members * ParameterCount(c with { Members = null });
        double w = c.HiddenWidth, d = c.Dimension, total = c.InputNorm ? 3 * d : d;
        for (int k = 0; k < c.Couplings; k++)
        {
            var p = Partition.For(c.Partition, c.Dimension, k);
            double outputs = c.Coupling == NiceCoupling.Affine ? 2.0 * p.Second.Length : p.Second.Length;
            total += p.First.Length * w + w + (c.HiddenLayers - 1) * (w * w + w) + w * outputs + outputs;
            if (c.Coupling == NiceCoupling.Affine) total += p.Second.Length;   // the bound c
            if (c.ActNorm) total += 2 * d;
            if (k > 0 && c.Mixing == NiceMixing.LU) total += d * d;
        }
        return total;
    }

    private static void LoadWeights(NiceFlow flow, OnnxModelContents contents)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, p) in flow.named_parameters())
        {
            if (!contents.Initializers.TryGetValue(name, out var init))
                throw new InvalidDataException(
                    $"The ONNX model lacks the weight '{name}' (no initializer of that name).");
            if (!init.Dims.SequenceEqual(p.shape))
                throw new InvalidDataException($"The ONNX weight '{name}' has shape [{string.Join(", ", init.Dims)}]; "
                    + $"the config needs [{string.Join(", ", p.shape)}].");
            var values = init.Floats();
            foreach (var v in values)
                if (!float.IsFinite(v))
                    throw new InvalidDataException(
                        $"The ONNX weight '{name}' holds a non-finite value (NaN or infinity).");
            // One copy, from the parsed file straight into the parameter's storage (a new flow is CPU float32).
            if (p.dtype == ScalarType.Float32 && p.device_type == DeviceType.CPU && p.is_contiguous())
                MemoryMarshal.AsBytes(values).CopyTo(p.bytes);
            else
                p.copy_(tensor(values.ToArray(), p.shape));
        }
        LoadFixedParts(flow, contents);
    }

    /// <summary>
    /// The fixed (not trained) parts of the mixings, stored as initializers named after their buffers: a
    /// permutation's π ("….perm", int64), LU's P ("….perm", int64) and signs ("….sign", ±1 floats). Refuses anything
    /// that is not a permutation of 0…D−1 or a sign other than ±1.
    /// </summary>
    private static void LoadFixedParts(NiceFlow flow, OnnxModelContents contents)
    {
        int d = flow.Dimension;
        var names = flow.named_modules()
            .ToDictionary(m => (object)m.module, m => m.name, ReferenceEqualityComparer.Instance);
        foreach (var layer in flow.Members.SelectMany(m => m.Steps))
        {
            if (layer is not (PermutationMixing or LuMixing)) continue;
            string prefix = names[layer];
            long[] perm = Initializer(contents, $"{prefix}.perm").ToInt64s(d);
            try
            {
                if (layer is PermutationMixing p) p.SetPermutation(perm);
                else
                {
                    var sign = Initializer(contents, $"{prefix}.sign");
                    if (!sign.Dims.SequenceEqual(new long[] { d }))
                        throw new InvalidDataException($"The ONNX weight '{prefix}.sign' has shape "
                            + $"[{string.Join(", ", sign.Dims)}]; the config needs [{d}].");
                    ((LuMixing)layer).SetFixed(perm, sign.ToFloats());
                }
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"The ONNX model's fixed part of '{prefix}' is invalid: {e.Message}", e);
            }
        }
    }

    private static OnnxInitializer Initializer(OnnxModelContents contents, string name)
        => contents.Initializers.TryGetValue(name, out var init)
            ? init
            : throw new InvalidDataException($"The ONNX model lacks the initializer '{name}'.");
}
