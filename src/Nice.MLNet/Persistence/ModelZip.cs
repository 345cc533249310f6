using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;

namespace Nice.MLNet.Persistence;

/// <summary>Finds the NICE flows' ONNX bytes inside an ML.NET model zip (OnnxTransformer stores them in an entry named
/// "OnnxModel": Int32 length, then the bytes).</summary>
internal static class ModelZip
{
    public static IReadOnlyList<byte[]> OnnxModels(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var models = new List<byte[]>();
            foreach (var entry in zip.Entries.Where(e => e.Name == "OnnxModel").OrderBy(e => e.FullName,
                StringComparer.Ordinal))
            {
                using var stream = entry.Open();
                using var memory = new MemoryStream();
                stream.CopyTo(memory);
                var bytes = memory.ToArray();
                if (bytes.Length < 4) throw new InvalidDataException($"{path}: entry '{entry.FullName}' is truncated.");
                int length = BitConverter.ToInt32(bytes, 0);
                if (length < 0 || length > bytes.Length - 4)
                    throw new InvalidDataException($"{path}: entry '{entry.FullName}' is truncated (says {length} " +
                        $"bytes, holds {bytes.Length - 4}).");
                models.Add(bytes.AsSpan(4, length).ToArray());
            }
            return models;
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path} is not a readable model zip: {e.Message}", e);
        }
    }
}
