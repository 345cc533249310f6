using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Nice.MLNet.Onnx.Proto;

namespace Nice.MLNet.Onnx;

/// <summary>
/// What the importer needs from an ONNX ModelProto: metadata_props, the graph's initializers and the names of its
/// inputs and outputs. Parsed by the classes generated from <c>Onnx/Proto/onnx_subset.proto</c>; every other field
/// (and any field that schema leaves out) is skipped.
/// </summary>
internal sealed class OnnxModelContents
{
    /// <summary>Drops fields the schema does not declare instead of keeping a copy of their bytes.</summary>
    private static readonly MessageParser<ModelProto> Parser = ModelProto.Parser.WithDiscardUnknownFields(true);

    private readonly GraphProto? graph;
    private readonly List<KeyValuePair<string, string>> orderedMetadata;

    private OnnxModelContents(GraphProto? graph, List<KeyValuePair<string, string>> orderedMetadata,
        Dictionary<string, string> metadata, Dictionary<string, OnnxInitializer> initializers, List<string> inputs,
        List<string> outputs)
    {
        this.graph = graph;
        this.orderedMetadata = orderedMetadata;
        bool hasGraph = graph != null;
        HasGraph = hasGraph;
        Metadata = metadata;
        Initializers = initializers;
        Inputs = inputs;
        Outputs = outputs;
    }

    public bool HasGraph { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyDictionary<string, OnnxInitializer> Initializers { get; }
    public IReadOnlyList<string> Inputs { get; }
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>
    /// Parses a ModelProto; throws <see cref="InvalidDataException"/> when the bytes are not a well-formed protobuf
    /// message, or when the metadata or the initializers repeat a name.
    /// </summary>
    public static OnnxModelContents Parse(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0) throw ForeignModel.Exception("Not an ONNX model: the input is empty.");
        ModelProto model;
        try
        {
            model = Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw ForeignModel.Exception(
                "Not an ONNX model: the bytes are not a well-formed protobuf message, or are truncated "
                + $"({e.Message}).", e);
        }
        var graph = model.Graph;
        var ordered = model.MetadataProps.Select(e => new KeyValuePair<string, string>(e.Key, e.Value)).ToList();
        return new OnnxModelContents(graph, ordered, ReadMetadata(model), ReadInitializers(graph),
            graph?.Input.Select(v => v.Name).ToList() ?? new List<string>(),
            graph?.Output.Select(v => v.Name).ToList() ?? new List<string>());
    }

    /// <summary>
    /// Checks the content hash when the model carries one (<see cref="NiceOnnxMetadata.ContentHashKey"/>); throws
    /// <see cref="InvalidDataException"/> when the graph or the metadata changed after it was written. Returns false
    /// for a model without a hash (written before hashes existed).
    /// </summary>
    public bool VerifyContentHash()
    {
        if (!Metadata.TryGetValue(NiceOnnxMetadata.ContentHashKey, out var stored)) return false;
        var actual = ContentHash.Of(graph is null ? ReadOnlySpan<byte>.Empty : graph.ToByteArray(), orderedMetadata);
        if (!string.Equals(stored, actual, StringComparison.Ordinal))
            throw new InvalidDataException("The Nice.MLNet model was changed after it was saved: its content hash does "
                + "not match its weights and settings (a damaged or edited file).");
        return true;
    }

    private static Dictionary<string, string> ReadMetadata(ModelProto model)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in model.MetadataProps)
        {
            if (!entry.HasKey) throw new InvalidDataException("The ONNX model has a metadata entry without a key.");
            if (!metadata.TryAdd(entry.Key, entry.Value))
                throw new InvalidDataException($"The ONNX model has the metadata key '{entry.Key}' twice.");
        }
        return metadata;
    }

    private static Dictionary<string, OnnxInitializer> ReadInitializers(GraphProto? graph)
    {
        var initializers = new Dictionary<string, OnnxInitializer>(StringComparer.Ordinal);
        foreach (var tensor in graph?.Initializer ?? Enumerable.Empty<TensorProto>())
            if (!initializers.TryAdd(tensor.Name, new OnnxInitializer(tensor)))
                throw new InvalidDataException($"The ONNX graph has two initializers named '{tensor.Name}'.");
        return initializers;
    }
}
