using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Onnx;

namespace Nice.MLNet.Images;

/// <summary>
/// The constants and helpers of anomaly detection on pretrained image features
/// (<c>mlContext.AnomalyDetection.Trainers.ImageFeatures(...)</c>): the input the featurizer expects, in-memory gray
/// images, and the ML.NET steps in front of it.
/// </summary>
/// <remarks>
/// What ResNet-18 expects, read from the files of <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.23.1
/// (docs/image-features-design.md §1): planar R, G, B planes on the 0…255 scale at 224×224 (its own preprocessing
/// graph reorders them to B, G, R and subtracts the ImageNet mean image; there is no scaling). That is exactly
/// <c>ExtractPixels</c> with its defaults after <c>ResizeImages(224, 224)</c>. Gray images need nothing more: ML.NET
/// loads them as 32-bit images with R = G = B, and <see cref="GrayImage"/> does the same in memory.
/// </remarks>
public static class NiceImageFeatures
{
    /// <summary>The featurizer's input size: 224×224.</summary>
    public const int ImageSize = 224;

    /// <summary>Features per image: ResNet-18's global average pool, 512 values.</summary>
    public const int EmbeddingSize = 512;

    /// <summary>
    /// Images per ONNX Runtime call when <c>ImageFeatures(options)</c>' Fit featurizes the training images: 16
    /// (9.6 MB of pixels a call). Scoring a fitted pipeline runs ML.NET's <c>ApplyOnnxModel</c>, one image per call.
    /// </summary>
    public const int FitBatchSize = 16;

    /// <summary>The model package the application must reference for ResNet-18.</summary>
    public const string ResNet18Package = "Microsoft.ML.DnnImageFeaturizer.ResNet18";

    /// <summary>
    /// Where the model files are read at fit time, by <see cref="GridFeaturizer"/>, <see cref="PoolFeaturizer"/> and
    /// ML.NET's ResNet-18 selector: <c>DnnImageModels</c> beside the application (the package's build step copies them
    /// there). A saved model holds the graphs and needs no folder.
    /// </summary>
    public static string ModelDirectory => Path.Combine(AppContext.BaseDirectory, "DnnImageModels");

    /// <summary>
    /// A gray image (one byte per pixel, row-major, <paramref name="width"/> × <paramref name="height"/>) as an
    /// opaque <see cref="MLImage"/> with B = G = R = the grey level: the three planes the featurizer reads repeat the
    /// grey channel, as for a gray PNG loaded by <c>LoadImages</c>.
    /// </summary>
    public static MLImage GrayImage(ReadOnlySpan<byte> gray, int width, int height)
    {
        if (width < 1 || height < 1 || gray.Length != width * height)
            throw new ArgumentException($"A {width}x{height} gray image needs {width * height} bytes; got "
                + $"{gray.Length}.", nameof(gray));
        var bgra = new byte[4 * gray.Length];
        for (int i = 0; i < gray.Length; i++)
        {
            bgra[4 * i] = bgra[4 * i + 1] = bgra[4 * i + 2] = gray[i];
            bgra[4 * i + 3] = 255;
        }
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, bgra);
    }

    /// <summary>
    /// The featurizing steps: <c>ResizeImages(224, 224)</c> → <c>ExtractPixels()</c> (defaults: planar R, G, B, 0…255)
    /// → <c>DnnFeaturizeImage</c> with <paramref name="modelFactory"/> → the 150,528-float pixel columns dropped. Reads
    /// the MLImage column <paramref name="imageColumnName"/>, writes 512 floats to
    /// <paramref name="embeddingColumnName"/>. Throws <see cref="FileNotFoundException"/> naming the folder and the
    /// package when the model files are missing.
    /// </summary>
    public static IEstimator<ITransformer> Featurizer(MLContext mlContext,
        Func<DnnImageFeaturizerInput, EstimatorChain<ColumnCopyingTransformer>> modelFactory,
        string imageColumnName = "Image", string embeddingColumnName = "ImageEmbedding")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(modelFactory);
        string resized = embeddingColumnName + ".Resized", pixels = embeddingColumnName + ".Pixels";
        DnnImageFeaturizerEstimator featurizer;
        try
        {
            featurizer = mlContext.Transforms.DnnFeaturizeImage(embeddingColumnName, modelFactory, pixels);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException
                                  || e.Message.Contains(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            throw new FileNotFoundException($"The image featurizer's model files were not found ({e.Message}). "
                + $"ML.NET's ResNet-18 selector reads them from {ModelDirectory} at fit time: reference the NuGet "
                + $"package {ResNet18Package} in the application (its build step copies DnnImageModels/ there).", e);
        }
        return mlContext.Transforms.ResizeImages(resized, ImageSize, ImageSize, imageColumnName)
            .Append(mlContext.Transforms.ExtractPixels(pixels, resized))
            .Append(featurizer)
            .Append(mlContext.Transforms.DropColumns(resized, pixels));
    }

    /// <summary>
    /// Features per image with <see cref="NiceImageFeatureLayout.Grid"/>: 2,048 + 4,096 + 512 = 6,656.
    /// </summary>
    public const int GridEmbeddingSize = 6656;

    /// <summary>
    /// The sizes of <see cref="NiceImageFeatureLayout.Grid"/>'s blocks, in the order of
    /// <see cref="GridBlockColumns"/> and of the embedding: layer2 4 × 4 × 128 = 2,048, layer3 4 × 4 × 256 = 4,096, the
    /// pool 512.
    /// </summary>
    public static IReadOnlyList<int> GridBlockSizes { get; } = Array.AsReadOnly(ResNetGridTaps.Blocks
        .Select(b => b.Values).ToArray());

    /// <summary>The names of <see cref="NiceImageFeatureLayout.Grid"/>'s three block columns (layer2 grid, layer3 grid,
    /// global pool) that <see cref="GridFeaturizer"/> writes beside
    /// the embedding.</summary>
    public static string[] GridBlockColumns(string embeddingColumnName)
        => new[] { embeddingColumnName + ".Layer2Grid", embeddingColumnName + ".Layer3Grid",
            embeddingColumnName + ".Pool" };

    /// <summary>
    /// The featurizing steps of <see cref="NiceImageFeatureLayout.Grid"/>: <c>ResizeImages(224, 224)</c> →
    /// <c>ExtractPixels()</c> → <c>ApplyOnnxModel</c> of the package's preprocessing graph → <c>ApplyOnnxModel</c> of
    /// ResNet18.onnx with the grid outputs added (written once to the temp directory, saved in the model zip) → the
    /// three blocks (<see cref="GridBlockColumns"/>) and their concatenation in <paramref name="embeddingColumnName"/>
    /// (6,656 floats). Reads the model files from <see cref="ModelDirectory"/> (the package
    /// <see cref="ResNet18Package"/> copies them there) and throws <see cref="FileNotFoundException"/> naming the file
    /// and the package when they are missing.
    /// </summary>
    public static IEstimator<ITransformer> GridFeaturizer(MLContext mlContext, string imageColumnName = "Image",
        string embeddingColumnName = "ImageEmbedding")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        string network = ResNetGridTaps.GridModelFile(ModelFile("ResNet18Onnx", "ResNet18.onnx"));
        var (outputs, blocks) = LayoutOutputs(NiceImageFeatureLayout.Grid, embeddingColumnName);
        return OnnxFeaturizer(mlContext, network, outputs, blocks, imageColumnName, embeddingColumnName)
            .Append(mlContext.Transforms.Concatenate(embeddingColumnName, blocks));
    }

    /// <summary>
    /// The featurizing steps of <see cref="NiceImageFeatureLayout.GlobalPool"/> without a model factory: the steps of
    /// <see cref="GridFeaturizer"/> with the package's ResNet18.onnx as it is, its global average pool written to
    /// <paramref name="embeddingColumnName"/> (512 floats) — the same ONNX graphs and steps as <c>DnnFeaturizeImage</c>
    /// with ML.NET's ResNet-18 selector, so the same embedding. Throws <see cref="FileNotFoundException"/> naming the
    /// file and the package when the model files are missing.
    /// </summary>
    public static IEstimator<ITransformer> PoolFeaturizer(MLContext mlContext, string imageColumnName = "Image",
        string embeddingColumnName = "ImageEmbedding")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var (outputs, columns) = LayoutOutputs(NiceImageFeatureLayout.GlobalPool, embeddingColumnName);
        return OnnxFeaturizer(mlContext, ModelFile("ResNet18Onnx", "ResNet18.onnx"), outputs, columns,
            imageColumnName, embeddingColumnName);
    }

    /// <summary>
    /// The ResNet-18 outputs a layout reads and the columns they are copied to: the grid's three blocks
    /// (<see cref="GridBlockColumns"/>), or the pool in <paramref name="embeddingColumnName"/>. The pipeline's
    /// featurizers and the batched fit (<see cref="BatchedFeaturization"/>) both read it.
    /// </summary>
    internal static (string[] Outputs, string[] Columns) LayoutOutputs(NiceImageFeatureLayout layout,
        string embeddingColumnName)
        => layout == NiceImageFeatureLayout.Grid
            ? (ResNetGridTaps.Blocks.Select(b => b.Output).ToArray(), GridBlockColumns(embeddingColumnName))
            : (new[] { ResNetGridTaps.PoolOutput }, new[] { embeddingColumnName });

    /// <summary>Resize, pixels, the preprocessing graph, <paramref name="network"/>; its
    /// <paramref name="outputs"/> copied to <paramref name="columns"/> and every intermediate column dropped.</summary>
    private static EstimatorChain<ITransformer> OnnxFeaturizer(MLContext mlContext, string network, string[] outputs,
        string[] columns, string imageColumnName, string embeddingColumnName)
    {
        string prepFile = ModelFile("ResNetPrepOnnx", "ResNetPreprocess.onnx");
        string resized = embeddingColumnName + ".Resized", pixels = embeddingColumnName + ".Pixels";
        var steps = new EstimatorChain<ITransformer>()
            .Append<ITransformer>(mlContext.Transforms.ResizeImages(resized, ImageSize, ImageSize, imageColumnName))
            .Append<ITransformer>(mlContext.Transforms.ExtractPixels(pixels, resized))
            .Append<ITransformer>(mlContext.Transforms.CopyColumns(ResNetGridTaps.PreprocessInput, pixels))
            .Append<ITransformer>(mlContext.Transforms.ApplyOnnxModel(ResNetGridTaps.PreprocessOutput,
                ResNetGridTaps.PreprocessInput, prepFile))
            .Append<ITransformer>(mlContext.Transforms.CopyColumns(ResNetGridTaps.NetworkInput,
                ResNetGridTaps.PreprocessOutput))
            .Append<ITransformer>(mlContext.Transforms.ApplyOnnxModel(outputs, new[] { ResNetGridTaps.NetworkInput },
                network));
        for (int i = 0; i < outputs.Length; i++)
            steps = steps.Append<ITransformer>(mlContext.Transforms.CopyColumns(columns[i], outputs[i]));
        var dropped = new[] { resized, pixels, ResNetGridTaps.PreprocessInput, ResNetGridTaps.PreprocessOutput,
            ResNetGridTaps.NetworkInput }.Concat(outputs).ToArray();
        return steps.Append<ITransformer>(mlContext.Transforms.DropColumns(dropped));
    }

    internal static string ModelFile(string folder, string file)
    {
        string path = Path.Combine(ModelDirectory, folder, file);
        return File.Exists(path) ? path
            : throw new FileNotFoundException($"The image featurizer's model file {path} was not found: reference the "
                + $"NuGet package {ResNet18Package} in the application (its build step copies DnnImageModels/ next to "
                + "it).", path);
    }

    /// <summary>
    /// The step between the grid features and the density model: <paramref name="transform"/> applied to each of
    /// the three blocks (<see cref="GridBlockColumns"/>) on its own, the results concatenated in
    /// <paramref name="featureColumnName"/> (6,656 floats) and the block columns dropped.
    /// </summary>
    public static IEstimator<ITransformer> GridEmbeddingTransform(MLContext mlContext, NiceEmbeddingTransform transform,
        string embeddingColumnName = "ImageEmbedding", string featureColumnName = "Features")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var blocks = GridBlockColumns(embeddingColumnName);
        var steps = new EstimatorChain<ITransformer>();
        var outputs = blocks.Select(b => b + ".Features").ToArray();
        for (int i = 0; i < blocks.Length; i++)
            steps = steps.Append(EmbeddingTransform(mlContext, transform, blocks[i], outputs[i]));
        return steps.Append(mlContext.Transforms.Concatenate(featureColumnName, outputs))
            .Append(mlContext.Transforms.DropColumns(blocks.Concat(outputs).ToArray()));
    }

    /// <summary>
    /// The step between the embedding and the density model: <paramref name="transform"/> of
    /// <paramref name="embeddingColumnName"/> written to <paramref name="featureColumnName"/> (an Expression transform
    /// computing √max(x, 0), then ML.NET's NormalizeLpNorm for
    /// <see cref="NiceEmbeddingTransform.SquareRootL2Normalized"/>; or a column copy).
    /// </summary>
    public static IEstimator<ITransformer> EmbeddingTransform(MLContext mlContext, NiceEmbeddingTransform transform,
        string embeddingColumnName = "ImageEmbedding", string featureColumnName = "Features")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return transform switch
        {
            NiceEmbeddingTransform.SquareRoot
                => mlContext.Transforms.Expression(featureColumnName, "x => sqrt(max(x, 0))", embeddingColumnName),
            NiceEmbeddingTransform.SquareRootL2Normalized
                => mlContext.Transforms.Expression(featureColumnName, "x => sqrt(max(x, 0))", embeddingColumnName)
                    .Append(mlContext.Transforms.NormalizeLpNorm(featureColumnName)),
            NiceEmbeddingTransform.None => mlContext.Transforms.CopyColumns(featureColumnName, embeddingColumnName),
            _ => throw new ArgumentOutOfRangeException(nameof(transform), transform, "Unknown embedding transform."),
        };
    }
}
