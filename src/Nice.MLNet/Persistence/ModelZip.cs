using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;

namespace Nice.MLNet.Persistence;

/// <summary>
/// The ONNX graphs inside an ML.NET model zip. OnnxTransformer stores its graph in an entry named "OnnxModel" (Int32
/// length, then the bytes); the folders above it say where the transformer sits in the saved chains
/// ("TransformerChain/Transform_001/Transform_000/OnnxModel" is child 0 of child 1 of the root chain).
/// </summary>
internal static class ModelZip
{
    /// <summary>One ONNX graph and its position: the child indices from the root chain down to its
    /// OnnxTransformer.</summary>
    public sealed record Entry(IReadOnlyList<int> ChainPath, byte[] Onnx);

    /// <summary>The graphs of the zip file at <paramref name="path"/>, in chain order.</summary>
    public static IReadOnlyList<Entry> OnnxEntries(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        using var stream = File.OpenRead(path);
        return OnnxEntries(stream, path);
    }

    /// <summary>
    /// The graphs of a zip read from <paramref name="stream"/>, in chain order. <paramref name="source"/> names the zip
    /// in errors (<see cref="InvalidDataException"/> for an unreadable or truncated one).
    /// </summary>
    public static IReadOnlyList<Entry> OnnxEntries(Stream stream, string source)
    {
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            var entries = new List<Entry>();
            foreach (var entry in zip.Entries.Where(e => e.Name == "OnnxModel").OrderBy(e => e.FullName,
                StringComparer.Ordinal))
                entries.Add(new Entry(ChainPath(entry.FullName), Read(entry, source)));
            return entries;
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{source} is not a readable model zip: {e.Message}", e);
        }
    }

    private static byte[] Read(ZipArchiveEntry entry, string source)
    {
        using var stream = entry.Open();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var bytes = memory.ToArray();
        if (bytes.Length < 4) throw new InvalidDataException($"{source}: entry '{entry.FullName}' is truncated.");
        int length = BitConverter.ToInt32(bytes, 0);
        if (length < 0 || length > bytes.Length - 4)
            throw new InvalidDataException($"{source}: entry '{entry.FullName}' is truncated (says {length} bytes, " +
                $"holds {bytes.Length - 4}).");
        return bytes.AsSpan(4, length).ToArray();
    }

    /// <summary>"TransformerChain/Transform_001/Transform_000/OnnxModel" → [1, 0].</summary>
    private static int[] ChainPath(string fullName)
        => fullName.Split('/')
            .Where(p => p.StartsWith("Transform_", StringComparison.Ordinal))
            .Select(p => int.TryParse(p.AsSpan("Transform_".Length), out int i) ? i : -1)
            .ToArray();
}
