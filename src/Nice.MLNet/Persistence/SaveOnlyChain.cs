using System;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Persistence;

/// <summary>
/// A transformer chain built only to be saved, and the file its ONNX step reads the graph from. Dispose releases the
/// ONNX Runtime session and deletes the file. The graph is given to ML.NET by path on purpose: ApplyOnnxModel copies a
/// graph given as a stream to a temp file that it never deletes (<c>OnnxModel.CreateFromStream</c> passes
/// <c>ownModelFile: false</c>), so each save would leave a copy of the flow in the temp directory.
/// </summary>
internal sealed class SaveOnlyChain : IDisposable
{
    private SaveOnlyChain(string file) => File = file;

    /// <summary>The chain; valid until Dispose.</summary>
    public TransformerChain<ITransformer> Chain { get; private set; } = null!;

    /// <summary>The ONNX graph's file, in the temp directory, deleted by Dispose.</summary>
    public string File { get; }

    /// <summary>Writes <paramref name="graph"/> to a new file and builds the chain with <paramref name="build"/>
    /// (given the file's path); the file is deleted if building fails.</summary>
    public static SaveOnlyChain Create(byte[] graph, Func<string, TransformerChain<ITransformer>> build)
    {
        var saved = new SaveOnlyChain(Path.Combine(Path.GetTempPath(), $"nice-mlnet-{Guid.NewGuid():N}.onnx"));
        try
        {
            System.IO.File.WriteAllBytes(saved.File, graph);
            saved.Chain = build(saved.File);
            return saved;
        }
        catch
        {
            saved.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Chain?.Dispose();
        try { System.IO.File.Delete(File); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
