using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nice.MLNet.Images;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// ResNet-18 with its intermediate stages pooled: the featurizer package's ResNet18.onnx, batch made symbolic
/// (<c>OnnxBatchDimension</c> of the library) and a GlobalAveragePool output added after the last ReLU of layer1, layer2 and layer3
/// (the library's <c>OnnxPooledOutputs</c>, as for its grid layout; tensor names read with `image-features inspect --nodes 100`). One Run gives, per image,
/// layer1 (64) | layer2 (128) | layer3 (256) | the network's own 7x7 average pool (512) = 960 floats, in that order
/// (layout "gap"; see <see cref="Layout"/> for "grid").
/// </summary>
public sealed class ResNetTapFeaturizer : IDisposable
{
    /// <summary>A block of a row: a tensor, its channels, the pooling kernel (0 = global) and the resulting grid side.</summary>
    public sealed record Block(string Name, string Tensor, int Channels, int Kernel, int Grid, int Stride = 0)
    {
        public int Values => Channels * Grid * Grid;
    }

    /// <summary>
    /// "gap": every stage globally pooled (960 floats). "grid": layer2 (28x28) and layer3 (14x14) averaged over 7x7 cells, a 4x4
    /// and a 2x2 grid, channel-major (C, row, column) as ONNX lays them out, then pool512 (2048 + 1024 + 512 = 3584 floats).
    /// </summary>
    public static Block[] Layout(string layout) => layout switch
    {
        "gap" => new Block[]
        {
            new("layer1", "ReLU283_Output_0", 64, 0, 1), new("layer2", "ReLU315_Output_0", 128, 0, 1),
            new("layer3", "ReLU347_Output_0", 256, 0, 1), new("pool512", "Pooling395_Output_0", 512, 0, 1),
        },
        "grid" => new Block[]
        {
            new("layer2g", "ReLU315_Output_0", 128, 7, 4), new("layer3g", "ReLU347_Output_0", 256, 7, 2),
            new("pool512", "Pooling395_Output_0", 512, 0, 1),
        },
        // layer3 as a 4x4 grid of overlapping 5x5 cells, stride 3 (cells 0-4, 3-7, 6-10, 9-13 of 14).
        "grid-l3x4" => new Block[]
        {
            new("layer2g", "ReLU315_Output_0", 128, 7, 4), new("layer3g4", "ReLU347_Output_0", 256, 5, 4, 3),
            new("pool512", "Pooling395_Output_0", 512, 0, 1),
        },
        _ => throw new ArgumentException($"--layout: '{layout}' is not gap, grid or grid-l3x4."),
    };

    public static string CacheSuffix(string layout) => layout == "gap" ? ".resnet18-taps.f32" : $".resnet18-{layout}.f32";

    public static int WidthOf(string layout) => Layout(layout).Sum(b => b.Values);

    /// <summary>Offset of a block's columns in a row.</summary>
    public static int Offset(string layout, string block) => Layout(layout).TakeWhile(b => b.Name != block).Sum(b => b.Values);

    public Block[] Blocks { get; }

    public int Width => Blocks.Sum(b => b.Values);

    private readonly InferenceSession preprocess, network;
    private readonly string[] outputs;

    public ResNetTapFeaturizer(string modelDirectory, int threads, string layout = "gap")
    {
        Blocks = Layout(layout);
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        preprocess = new InferenceSession(Nice.MLNet.Images.OnnxBatchDimension.MakeSymbolic(Read(Path.Combine(modelDirectory, "ResNetPrepOnnx", "ResNetPreprocess.onnx"))), options);
        var taps = Blocks.Where(b => b.Name != "pool512").Select(b => new OnnxPooledOutputs.Tap(b.Tensor, b.Channels, b.Kernel, b.Grid, b.Stride)).ToList();
        network = new InferenceSession(OnnxPooledOutputs.Add(
            Nice.MLNet.Images.OnnxBatchDimension.MakeSymbolic(Read(Path.Combine(modelDirectory, "ResNet18Onnx", "ResNet18.onnx"))), taps, batchParameter: Nice.MLNet.Images.OnnxBatchDimension.Parameter), options);
        outputs = Blocks.Select(b => b.Name == "pool512" ? b.Tensor : OnnxPooledOutputs.OutputOf(b.Tensor, b.Kernel, b.Stride)).ToArray();
        var missing = outputs.Where(o => !network.OutputMetadata.ContainsKey(o)).ToArray();
        if (missing.Length > 0) throw new InvalidDataException($"patched ResNet18.onnx lacks outputs {string.Join(", ", missing)}.");
    }

    private static byte[] Read(string path) => File.Exists(path) ? File.ReadAllBytes(path)
        : throw new FileNotFoundException($"{path} not found: reference Microsoft.ML.DnnImageFeaturizer.ResNet18.", path);

    /// <summary>count x 960 features of <paramref name="count"/> planar R,G,B 224x224 images (0..255), row after row.</summary>
    public float[] Run(float[] pixels, int count)
    {
        if (pixels.Length < count * ImagePipeline.Pixels) throw new ArgumentException($"pixels: {pixels.Length} values for {count} images of {ImagePipeline.Pixels}.");
        var input = new DenseTensor<float>(new Memory<float>(pixels, 0, count * ImagePipeline.Pixels), new[] { count, 3, ImagePipeline.Size, ImagePipeline.Size });
        using var prepared = preprocess.Run(new[] { NamedOnnxValue.CreateFromTensor("OriginalInput", input) });
        var centred = prepared.First().AsTensor<float>();
        using var results = network.Run(new[] { NamedOnnxValue.CreateFromTensor("Input247", centred) }, outputs);
        var row = new float[count * Width];
        int offset = 0;
        foreach (var (block, result) in Blocks.Zip(results))
        {
            var values = result.AsTensor<float>().ToArray();
            if (values.Length != count * block.Values) throw new InvalidDataException($"{block.Name}: {values.Length} values for {count} images.");
            for (int i = 0; i < count; i++) Array.Copy(values, i * block.Values, row, i * Width + offset, block.Values);
            offset += block.Values;
        }
        return row;
    }

    public void Dispose()
    {
        preprocess.Dispose();
        network.Dispose();
    }
}
