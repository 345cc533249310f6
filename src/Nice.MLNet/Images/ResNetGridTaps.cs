using System;
using System.Collections.Concurrent;
using System.IO;
using System.Security.Cryptography;

namespace Nice.MLNet.Images;

/// <summary>
/// ResNet-18 of <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.23.1 with two more graph outputs
/// (<see cref="OnnxPooledOutputs"/>): the last ReLU of layer2 (128 × 28 × 28) averaged over 7 × 7 cells, a 4 × 4 grid,
/// and of layer3 (256 × 14 × 14) averaged over 5 × 5 cells with stride 3 (rows and columns 0–4, 3–7, 6–10, 9–13: a
/// 4 × 4 grid of overlapping cells that covers the map), beside the network's own 512-d global average pool. Tensor
/// names read from the model (docs/image-features-design.md §10, §10.4).
/// </summary>
internal static class ResNetGridTaps
{
    /// <summary>
    /// One block of the grid features: the ONNX output, its channels and grid side (values = C · g²).
    /// </summary>
    public sealed record Block(string Output, int Channels, int Grid)
    {
        public int Values => Channels * Grid * Grid;
    }

    /// <summary>The input of ResNet18.onnx and of its preprocessing model, and their outputs.</summary>
    public const string PreprocessInput = "OriginalInput", PreprocessOutput = "PreprocessedInput",
        NetworkInput = "Input247", PoolOutput = "Pooling395_Output_0";

    private static readonly OnnxPooledOutputs.Tap[] Taps =
    {
        new("ReLU315_Output_0", 128, 7, 4),      // layer2
        new("ReLU347_Output_0", 256, 5, 4, 3),   // layer3
    };

    /// <summary>layer2 4 × 4 (2,048 values), layer3 4 × 4 (4,096), the global pool (512), in that order.</summary>
    public static readonly Block[] Blocks =
    {
        new(OnnxPooledOutputs.OutputOf(Taps[0].Tensor, 7), 128, 4),
        new(OnnxPooledOutputs.OutputOf(Taps[1].Tensor, 5, 3), 256, 4),
        new(PoolOutput, 512, 1),
    };

    /// <summary>
    /// The package's ResNet18.onnx bytes with the grid outputs added (their batch dimension 1, or
    /// <paramref name="batchParameter"/> for a model whose batch was made symbolic). Throws
    /// <see cref="InvalidDataException"/> naming the package when the model is not the one the taps were read from.
    /// </summary>
    public static byte[] AddGridOutputs(byte[] model, string? batchParameter = null)
    {
        try
        {
            return OnnxPooledOutputs.Add(model, Taps, batchParameter);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"ResNet18.onnx: {e.Message} The grid features are defined for the model of "
                + $"{NiceImageFeatures.ResNet18Package} 0.23.1.", e);
        }
    }

    /// <summary>
    /// The file holding <see cref="AddGridOutputs"/> of <paramref name="resNet18File"/>: <c>Nice.MLNet/ResNet18-grid-
    /// {hash}.onnx</c> in the temp directory, named after its content, written once (by rename, so never half
    /// written) and reused by every later fit, in this process and others. The graph goes to ML.NET by path: given as
    /// a stream, ApplyOnnxModel copies it to a temp file of its own that it never deletes (64 MB a fit). Within a
    /// process the answer is remembered per source file (its full path, length and last write time) while the written
    /// file is there with its length: every estimator and every fit asks, and reading, patching and hashing 64 MB took
    /// 0.5–3 s a call.
    /// </summary>
    public static string GridModelFile(string resNet18File)
    {
        var source = new FileInfo(resNet18File);
        var key = (source.FullName, source.Length, source.LastWriteTimeUtc);
        if (Written.TryGetValue(key, out var known) && new FileInfo(known.File) is { Exists: true } written
            && written.Length == known.Length)
            return known.File;
        string file = WriteGridModelFile(resNet18File, out long length);
        Written[key] = (file, length);
        return file;
    }

    /// <summary>Grid model files written (or found) in this process, by source file.</summary>
    private static readonly
        ConcurrentDictionary<(string Path, long Length, DateTime Written), (string File, long Length)> Written = new();

    private static string WriteGridModelFile(string resNet18File, out long length)
    {
        byte[] graph = AddGridOutputs(File.ReadAllBytes(resNet18File));
        byte[] digest = SHA256.HashData(graph);
        length = graph.Length;
        string folder = Path.Combine(Path.GetTempPath(), "Nice.MLNet");
        string name = $"ResNet18-grid-{Convert.ToHexString(digest)[..16].ToLowerInvariant()}.onnx";
        string file = Path.Combine(folder, name);
        if (File.Exists(file) && new FileInfo(file).Length == graph.Length
            && SHA256.HashData(File.ReadAllBytes(file)).AsSpan().SequenceEqual(digest))
            return file;
        Directory.CreateDirectory(folder);
        string partial = file + $".{Guid.NewGuid():N}.partial";
        try
        {
            File.WriteAllBytes(partial, graph);
            File.Move(partial, file, overwrite: true);
        }
        catch (IOException) when (File.Exists(file) && new FileInfo(file).Length == graph.Length)
        {
            // Another process renamed the same content into place first (and holds it open, on Windows).
        }
        finally
        {
            File.Delete(partial);
        }
        return file;
    }
}
