using System.Linq;
using Google.Protobuf;
using Nice.MLNet.Onnx;
using Nice.MLNet.Onnx.Proto;

namespace Nice.MLNet.Tests.Onnx;

/// <summary>Edits of exported ONNX models for reader tests.</summary>
internal static class OnnxEdits
{
    /// <summary>
    /// The model with its content hash recomputed, as a writer that encoded the same content differently would have
    /// stored it.
    /// </summary>
    public static byte[] Rehashed(ModelProto model)
    {
        var hash = model.MetadataProps.Single(e => e.Key == NiceOnnxMetadata.ContentHashKey);
        hash.Value = ContentHash.Of(model.Graph.ToByteArray(),
            model.MetadataProps.Select(e => new System.Collections.Generic.KeyValuePair<string, string>(e.Key, e.Value)));
        return model.ToByteArray();
    }

    /// <summary>The model without its content hash, as files were before hashes existed.</summary>
    public static byte[] WithoutHash(byte[] onnx)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        model.MetadataProps.Remove(model.MetadataProps.Single(e => e.Key == NiceOnnxMetadata.ContentHashKey));
        return model.ToByteArray();
    }
}
