using System;
using System.IO;
using Microsoft.ML;

namespace Nice.MLNet;

public sealed partial class NiceTransformer
{
    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException("Saving is not implemented yet.");

    /// <summary>Writes the trained flow as an ONNX model.</summary>
    public void ExportOnnx(Stream stream, bool batched = true) => throw new NotSupportedException("ONNX export is not implemented yet.");
}
