using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

namespace Nice.MLNet.Onnx;

/// <summary>
/// The integrity check of a Nice.MLNet ONNX model: SHA-256 over the serialized graph (nodes, weights, inputs, outputs)
/// and every metadata entry but the hash itself (the config, the dequantization, the caller's settings, the format
/// marker), each entry as length-prefixed UTF-8 key and value. Written into the metadata as
/// <see cref="NiceOnnxMetadata.ContentHashKey"/> = "sha256:…"; a file whose content no longer matches is refused.
/// </summary>
internal static class ContentHash
{
    public const string Prefix = "sha256:";

    /// <summary>The length of the text <see cref="Of"/> returns.</summary>
    public const int Length = 7 + 64;

    public static string Of(ReadOnlySpan<byte> graph, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(graph);
        Span<byte> length = stackalloc byte[4];
        foreach (var (key, value) in metadata)
        {
            if (key == NiceOnnxMetadata.ContentHashKey) continue;
            foreach (var text in new[] { key, value })
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                BitConverter.TryWriteBytes(length, bytes.Length);
                sha.AppendData(length);
                sha.AppendData(bytes);
            }
        }
        return Prefix + Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}
