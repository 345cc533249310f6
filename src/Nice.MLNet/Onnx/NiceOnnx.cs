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
        ArgumentNullException.ThrowIfNull(flow);
        using var weights = new ModuleWeights(flow);
        return ExportForward(weights, dq, batched, metadata, inputName, latentName, logLikelihoodName);
    }

    /// <summary>
    /// The forward graph of <see cref="ExportForward(NiceFlow, Dequantization?, bool, IReadOnlyDictionary{string,
    /// string}?, string, string, string)"/> from weights alone: a saved model's (<see cref="SavedWeights"/>) needs no
    /// TorchSharp, and gives the same bytes as its flow would. With <paramref name="integrityName"/> the graph checks
    /// its own weights and has a third output of that name, shaped like the log-likelihood: 1 when the weights match
    /// the fingerprints written here, else 0 (<see cref="WeightIntegrity"/>).
    /// </summary>
    public static byte[] ExportForward(FlowWeights weights, Dequantization? dq, bool batched,
        IReadOnlyDictionary<string, string>? metadata = null, string inputName = "Features",
        string latentName = "Latent", string logLikelihoodName = "LogLikelihood", string? integrityName = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        dq?.Validate();
        var builder = new OnnxModelBuilder();
        new FlowGraph(builder, weights).Forward(dq, batched, inputName, latentName, logLikelihoodName);
        if (integrityName != null)
            WeightIntegrity.Add(builder, integrityName, logLikelihoodName,
                batched ? new long?[] { null } : new long?[] { 1 });
        return builder.Build("NiceForward",
            NiceOnnxMetadata.Compose(weights.Config, dq, NiceGraphKind.Forward, batched, metadata));
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
        ArgumentNullException.ThrowIfNull(flow);
        dq?.Validate();
        using var weights = new ModuleWeights(flow);
        var builder = new OnnxModelBuilder();
        new FlowGraph(builder, weights).Inverse(dq, batched, latentName, featuresName);
        return builder.Build("NiceInverse",
            NiceOnnxMetadata.Compose(flow.Config, dq, NiceGraphKind.Inverse, batched, metadata));
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
    /// Reads a model from ONNX bytes written by <see cref="ExportForward(NiceFlow, Dequantization?, bool,
    /// IReadOnlyDictionary{string, string}?, string, string, string)"/> or <see cref="ExportInverse"/>: the config
    /// and dequantization from the metadata, every parameter from the initializer of the same name, all checked
    /// without TorchSharp; the flow itself is built on first use (<see cref="NiceOnnxModel.Flow"/>). Throws
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
                + $"formats {NiceOnnxMetadata.FormatVersion}, {NiceOnnxMetadata.SuccessorsFormatVersion}, "
                + $"{NiceOnnxMetadata.InputNormFormatVersion}, {NiceOnnxMetadata.WhiteningFormatVersion}, "
                + $"{NiceOnnxMetadata.LowRankWhiteningFormatVersion}, {NiceOnnxMetadata.KernelFormatVersion} and "
                + $"{NiceOnnxMetadata.RadialFormatVersion}.");
        var config = NiceOnnxMetadata.ReadConfig(contents.Metadata);
        var dq = NiceOnnxMetadata.ReadDequantization(contents.Metadata);
        var (kind, batched) = NiceOnnxMetadata.ReadShape(contents.Metadata);
        CheckEnoughWeights(config, contents);
        var weights = new SavedWeights(new FlowLayout(config), contents);
        // Last, so that a file broken in a way the reader can name (a weight of the wrong shape, a bad permutation)
        // says so; a file that is well-formed but edited says that its content changed. Every writer of the in-graph
        // weight check also writes the hash, so a file with the one and without the other lost its hash to an edit.
        if (!contents.VerifyContentHash() && contents.Initializers.ContainsKey(WeightIntegrity.ExpectedName))
            throw new InvalidDataException("The Nice.MLNet model was changed after it was saved: it checks its own "
                + $"weights ('{WeightIntegrity.ExpectedName}') but its content hash "
                + $"('{NiceOnnxMetadata.ContentHashKey}'), written with that check, was removed (a damaged or edited "
                + "file).");
        var user = contents.Metadata
            .Where(e => !e.Key.StartsWith(NiceOnnxMetadata.ReservedPrefix, StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        return new NiceOnnxModel(new LazyFlow(weights), dq, user, kind, batched, contents.Inputs, contents.Outputs);
    }

    /// <summary>
    /// A new <see cref="NiceFlow"/> (CPU, float32, eval mode) holding <paramref name="weights"/>, which are already
    /// checked.
    /// </summary>
    public static NiceFlow BuildFlow(SavedWeights weights)
    {
        var flow = new NiceFlow(weights.Config);
        try
        {
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                foreach (var (name, p) in flow.named_parameters())
                {
                    var values = weights.Parameter(name);
                    // One copy, from the parsed file straight into the parameter's storage (a new flow is CPU
                    // float32).
                    if (p.dtype == ScalarType.Float32 && p.device_type == DeviceType.CPU && p.is_contiguous())
                        MemoryMarshal.AsBytes(values).CopyTo(p.bytes);
                    else
                        p.copy_(tensor(values.ToArray(), p.shape));
                }
                var names = flow.named_modules()
                    .ToDictionary(m => (object)m.module, m => m.name, ReferenceEqualityComparer.Instance);
                foreach (var layer in flow.AllSteps)
                {
                    if (layer is PermutationMixing permutation)
                        permutation.SetPermutation(weights.Permutation(names[layer]));
                    if (layer is LuMixing lu)
                        lu.SetFixed(weights.Permutation(names[layer]), weights.Sign(names[layer]));
                    if (layer is Whitening whitening)
                    {
                        whitening.Set(weights.Whitening(names[layer]));
                    }
                    if (layer is RadialStep radial)
                    {
                        var (basis, radius) = weights.Radial(names[layer]);
                        using var basisTensor = tensor(basis, new long[] { radial.Dimension, radial.Rank });
                        radial.SetBasis(basisTensor);
                        radial.SetRadiusScale(radius[0], radius[1]);
                    }
                }
            }
            flow.eval();
            return flow;
        }
        catch
        {
            flow.Dispose();
            throw;
        }
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
        if (c.KernelRows is int n) return n * (c.Dimension + 1.0) + ParameterCount(c with { KernelRows = null });
        if (c.Members is int members) return members * ParameterCount(c with { Members = null });
        double w = c.HiddenWidth, d = c.Dimension, total = c.InputNorm ? 3 * d : d;
        // A radial step's couplings act on R + 1 numbers, and it has its own scaling of that width.
        int width = c.Radial ? c.WhiteningRank!.Value + 1 : c.Dimension;
        if (c.Radial) total += width;
        for (int k = 0; k < c.Couplings; k++)
        {
            var p = Partition.For(c.Partition, width, k);
            double outputs = c.Coupling == NiceCoupling.Affine ? 2.0 * p.Second.Length : p.Second.Length;
            total += p.First.Length * w + w + (c.HiddenLayers - 1) * (w * w + w) + w * outputs + outputs;
            if (c.Coupling == NiceCoupling.Affine) total += p.Second.Length;   // the bound c
            if (c.ActNorm) total += 2 * d;
            if (k > 0 && c.Mixing == NiceMixing.LU) total += d * d;
        }
        return total;
    }
}
