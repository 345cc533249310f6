using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using Google.Protobuf;
using Nice.MLNet.Onnx.Proto;

namespace Nice.MLNet.Tests.MLNet;

/// <summary>Edits inside a saved model zip, as an attacker or a damaged disk would make them, leaving a valid zip
/// (the archive's CRCs are rewritten).</summary>
internal static class ModelZipEdits
{
    /// <summary>Replaces the zip's one ONNX graph by <paramref name="edit"/>(graph), writing a valid zip.</summary>
    public static void EditGraph(string path, Func<byte[], byte[]> edit)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.Entries.Single(e => e.Name == "OnnxModel");
        byte[] stored;
        using (var s = entry.Open())
        using (var m = new MemoryStream())
        {
            s.CopyTo(m);
            stored = m.ToArray();
        }
        var graph = edit(stored[4..]);
        string name = entry.FullName;
        entry.Delete();
        using var output = zip.CreateEntry(name).Open();
        output.Write(BitConverter.GetBytes(graph.Length));
        output.Write(graph);
    }

    /// <summary>The ONNX model <paramref name="onnx"/> after <paramref name="edit"/>.</summary>
    public static byte[] EditModel(byte[] onnx, Action<ModelProto> edit)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        edit(model);
        return model.ToByteArray();
    }

    /// <summary>Edits the raw bytes of the initializer <paramref name="tensor"/> in place.</summary>
    public static void EditRaw(TensorProto tensor, Action<byte[]> edit)
    {
        var raw = tensor.RawData.ToByteArray();
        var before = (byte[])raw.Clone();
        edit(raw);
        if (raw.AsSpan().SequenceEqual(before)) throw new InvalidOperationException($"The edit left {tensor.Name} as it was.");
        tensor.RawData = ByteString.CopyFrom(raw);
    }

    /// <summary>True when some entry of the zip holds <paramref name="text"/> (UTF-8 or UTF-16).</summary>
    public static bool Holds(string path, string text)
    {
        using var zip = ZipFile.OpenRead(path);
        foreach (var entry in zip.Entries)
        {
            using var s = entry.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            var bytes = m.ToArray();
            if (bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0) return true;
            if (bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(text)) >= 0) return true;
        }
        return false;
    }
}
