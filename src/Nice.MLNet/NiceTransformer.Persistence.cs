using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Onnx;
using Nice.MLNet.Persistence;

namespace Nice.MLNet;

public sealed partial class NiceTransformer
{
    /// <summary>
    /// Called by <c>mlContext.Model.Save</c>. ML.NET's model-file API is internal to ML.NET, so the model is written as built-in,
    /// savable transformers: the flow as an ONNX graph run by OnnxTransformer, and a CustomMapping that keeps LogLikelihood a Single.
    /// <c>mlContext.Model.Load</c> gives those back (same columns, names, types and values, scored one row at a time by ONNX Runtime);
    /// <see cref="Load(MLContext, string, int)"/> gives back this full NiceTransformer from the same file.
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ThrowIfDisposed();
        ((ICanSaveModel)OnnxChain.Build(this)).Save(ctx);
    }

    /// <summary>
    /// Writes the trained flow as an ONNX model: input <see cref="InputColumnName"/> (float [N, D], or [D] when not batched),
    /// outputs <see cref="LatentColumnName"/> ([N, D]) and <see cref="LogLikelihoodColumnName"/> ([N] nats; [1] when not batched).
    /// Dequantization at the bin centre is part of the graph, so it scores exactly like <see cref="Transform"/>.
    /// </summary>
    public void ExportOnnx(Stream stream, bool batched = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfDisposed();
        var bytes = NiceOnnx.ExportForward(flow, dequantization, batched, ModelMetadata.Write(this), columns.Input, columns.Latent, columns.LogLikelihood);
        stream.Write(bytes);
    }

    /// <summary>
    /// Writes the inverse flow as an ONNX model for sampling or decoding outside .NET: input <see cref="LatentColumnName"/>
    /// (float [N, D]; feed prior draws scaled by a temperature), output <see cref="InputColumnName"/> in the input's units.
    /// </summary>
    public void ExportOnnxInverse(Stream stream, bool batched = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfDisposed();
        stream.Write(NiceOnnx.ExportInverse(flow, dequantization, batched, ModelMetadata.Write(this), columns.Latent, columns.Input));
    }

    /// <summary>
    /// Reads a model zip written by <c>mlContext.Model.Save</c> (a NICE transformer alone, or a pipeline that contains one) back
    /// into a full <see cref="NiceTransformer"/>: batched scoring, sampling, inverse, inspection. With several NICE steps in one
    /// pipeline, <paramref name="index"/> picks one (0 = the first). A missing, truncated or foreign file throws
    /// <see cref="FileNotFoundException"/> or <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static NiceTransformer Load(MLContext mlContext, string path, int index = 0)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return LoadWithMetadata(path, index).Model;
    }

    /// <summary>The <paramref name="index"/>-th NICE model of a zip, with every metadata entry its file carries.</summary>
    internal static (NiceTransformer Model, IReadOnlyDictionary<string, string> Metadata) LoadWithMetadata(string path, int index = 0)
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
            if (read.Graph != NiceGraphKind.Forward || found++ != index) { read.Dispose(); continue; }
            try
            {
                var (cols, batch, summary) = ModelMetadata.Read(read.Metadata, path);
                return (new NiceTransformer(read.Flow, read.Dequantization, cols, batch, summary), read.Metadata);
            }
            catch
            {
                read.Dispose();
                throw;
            }
        }
        if (found == 0)
            throw new InvalidDataException($"{path} holds no NICE model: {(graphs.Count == 0 ? "no ONNX graph in it" : $"its {graphs.Count} ONNX graph(s) were not written by Nice.MLNet ({lastProblem})")}.");
        throw new ArgumentOutOfRangeException(nameof(index), index, $"{path} holds {found} NICE model(s).");
    }

    /// <summary>
    /// Saves <paramref name="model"/> like <c>mlContext.Model.Save</c>, but atomically: into a temporary file beside
    /// <paramref name="path"/>, renamed over it only when complete, so a failed save never leaves a broken model file.
    /// </summary>
    public static void SaveAtomically(MLContext mlContext, ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            mlContext.Model.Save(model, inputSchema, temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
