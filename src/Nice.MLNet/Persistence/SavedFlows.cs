using System;
using System.IO;
using Nice.MLNet.Onnx;

namespace Nice.MLNet.Persistence;

/// <summary>Finds the NICE flows saved in an ML.NET model zip (by <see cref="OnnxChain"/>) and rebuilds one.</summary>
internal static class SavedFlows
{
    /// <summary>
    /// The <paramref name="index"/>-th forward NICE graph of the zip at <paramref name="path"/> (0 = the first),
    /// rebuilt. Throws <see cref="FileNotFoundException"/> or <see cref="InvalidDataException"/> naming the file when
    /// it is missing, unreadable or holds no NICE model, and <see cref="ArgumentOutOfRangeException"/> when it holds
    /// fewer.
    /// </summary>
    public static NiceOnnxModel Read(string path, int index)
    {
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), index, "index must be >= 0.");
        var graphs = ModelZip.OnnxModels(path);
        int found = 0;
        string? lastProblem = null;
        foreach (var bytes in graphs)
        {
            NiceOnnxModel read;
            try { read = NiceOnnx.Read(bytes); }
            catch (InvalidDataException e) { lastProblem = e.Message; continue; } // another ONNX model of the pipeline
            if (read.Graph == NiceGraphKind.Forward && found++ == index) return read;
            read.Dispose();
        }
        if (found == 0)
            throw new InvalidDataException($"{path} holds no NICE model: " + (graphs.Count == 0
                ? "no ONNX graph in it."
                : $"its {graphs.Count} ONNX graph(s) were not written by Nice.MLNet ({lastProblem})."));
        throw new ArgumentOutOfRangeException(nameof(index), index, $"{path} holds {found} NICE model(s).");
    }
}
