using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Onnx;
using Nice.MLNet.Anomaly;

namespace Nice.MLNet.Images;

/// <summary>
/// Anomaly detection on pretrained image features, assembled as one ML.NET estimator: [<c>LoadImages</c>] →
/// <c>ResizeImages(224, 224)</c> → <c>ExtractPixels()</c> → ResNet-18 through <c>ApplyOnnxModel</c> (by default
/// <see cref="NiceImageFeatureLayout.Grid"/>: its layer2/layer3 grids and pool; or the pool alone, or
/// <c>DnnFeaturizeImage</c> with the model the application selects) → √x → a density model
/// (<see cref="NiceAnomalyEstimator"/>, by default the radial flow,
/// <see cref="NiceImageFeatureOptions.RadialDetector"/>). Every step is a built-in ML.NET transform or the NICE
/// detector, so the fitted chain saves with <c>mlContext.Model.Save</c> as one zip (both ONNX graphs of the
/// featurizer included) and loads with <c>mlContext.Model.Load</c> (ONNX Runtime runs the featurizer and the density
/// model) or <c>mlContext.Model.LoadNice</c> (the density model batched).
/// </summary>
/// <remarks>
/// <see cref="Fit"/> featurizes each training image exactly once and keeps the embeddings in memory for the density
/// model's training and threshold passes; written as a plain chain of estimators, every trainable step after the
/// featurizer would read its images through the network again unless a cache checkpoint is added. Without a model
/// factory, Fit runs the package's graphs on batches of <see cref="NiceImageFeatures.FitBatchSize"/> images per ONNX
/// Runtime call (the same graphs as the fitted chain's <c>ApplyOnnxModel</c> steps, which score one image per call;
/// the same embeddings); with a factory, <c>DnnFeaturizeImage</c> runs one image per call. Featurization
/// dominates the cost: ResNet-18 is ≈ 1.8 G multiply-adds per image (≈ 22–26 images per CPU-second measured), the
/// density model scores thousands of embeddings in that time.
/// </remarks>
public sealed class NiceImageFeatureEstimator : IEstimator<TransformerChain<ITransformer>>
{
    private readonly NiceImageFeatureOptions options;
    private readonly MLContext ml;
    private readonly Func<DnnImageFeaturizerInput, EstimatorChain<ColumnCopyingTransformer>>? modelFactory;
    private readonly Steps schemaSteps;
    private readonly NiceAnomalyEstimator detector;

    /// <summary>
    /// The estimator with ResNet-18 read from the package <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>'s files
    /// (<see cref="NiceImageFeatures.ModelDirectory"/>; the application references the package, which copies them next
    /// to it at build time), in <see cref="NiceImageFeatureOptions.Layout"/> (default
    /// <see cref="NiceImageFeatureLayout.Grid"/>). Options are copied and validated now.
    /// </summary>
    public NiceImageFeatureEstimator(NiceImageFeatureOptions? options = null)
        : this(options, null)
    {
    }

    /// <summary>
    /// The estimator on the 512-d pool of the featurizer <paramref name="modelFactory"/> selects, as for
    /// <c>DnnFeaturizeImage</c>, e.g. <c>m =&gt; m.ModelSelector.ResNet18(mlContext, m.OutputColumn,
    /// m.InputColumn)</c> (package <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>, which the application references).
    /// <see cref="NiceImageFeatureOptions.Layout"/> must be null or <see cref="NiceImageFeatureLayout.GlobalPool"/>:
    /// the grid reads ResNet-18's files itself, so a factory is never silently ignored. Options are copied and
    /// validated now.
    /// </summary>
    public NiceImageFeatureEstimator(
        Func<DnnImageFeaturizerInput, EstimatorChain<ColumnCopyingTransformer>> modelFactory,
        NiceImageFeatureOptions? options = null)
        : this(options, modelFactory ?? throw new ArgumentNullException(nameof(modelFactory)))
    {
    }

    private NiceImageFeatureEstimator(NiceImageFeatureOptions? options,
        Func<DnnImageFeaturizerInput, EstimatorChain<ColumnCopyingTransformer>>? modelFactory)
    {
        this.options = (options ?? new NiceImageFeatureOptions()).Clone();
        this.options.Validate();
        var o = this.options;
        if (modelFactory is not null && o.Layout == NiceImageFeatureLayout.Grid)
            throw new ArgumentException("NiceImageFeatureOptions.Layout is Grid, but a model factory was given: the "
                + "grid reads ResNet-18's files itself and cannot use it. Call ImageFeatures(options) without a model "
                + "factory for the grid, or leave Layout null (= GlobalPool) to use the factory's model.",
                nameof(options));
        Layout = o.Layout ?? (modelFactory is null ? NiceImageFeatureLayout.Grid : NiceImageFeatureLayout.GlobalPool);
        this.modelFactory = modelFactory;
        ml = new MLContext(o.Detector.Nice.Seed);
        schemaSteps = NewSteps();
        detector = new NiceAnomalyEstimator(o.Detector);
    }

    /// <summary>The estimators before the detector.</summary>
    private sealed record Steps(IEstimator<ITransformer>? Loader, IEstimator<ITransformer> Featurizer,
        IEstimator<ITransformer> EmbeddingTransform);

    /// <summary>
    /// New estimators for the steps before the detector. ML.NET's <c>ApplyOnnxModel</c> and <c>DnnFeaturizeImage</c>
    /// estimators return the same transformer (and ONNX Runtime session) from every Fit, so each Fit builds its own:
    /// disposing one fitted model then leaves the others working. Throws naming the file and the package when the
    /// model files are missing.
    /// </summary>
    private Steps NewSteps()
    {
        var o = options;
        var loader = o.ImagePathColumnName is { } path
            ? ml.Transforms.LoadImages(o.ImageColumnName, o.ImageFolder, path) : null;
        if (Layout == NiceImageFeatureLayout.Grid)
            return new Steps(loader, NiceImageFeatures.GridFeaturizer(ml, o.ImageColumnName, o.EmbeddingColumnName),
                NiceImageFeatures.GridEmbeddingTransform(ml, o.EmbeddingTransform, o.EmbeddingColumnName,
                    o.Detector.FeatureColumnName));
        var featurizer = modelFactory is null
            ? NiceImageFeatures.PoolFeaturizer(ml, o.ImageColumnName, o.EmbeddingColumnName)
            : NiceImageFeatures.Featurizer(ml, modelFactory, o.ImageColumnName, o.EmbeddingColumnName);
        return new Steps(loader, featurizer, NiceImageFeatures.EmbeddingTransform(ml, o.EmbeddingTransform,
            o.EmbeddingColumnName, o.Detector.FeatureColumnName));
    }

    /// <summary>The layout the features are made in: <see cref="NiceImageFeatureOptions.Layout"/>, or when that is
    /// null, <see cref="NiceImageFeatureLayout.Grid"/> without a model factory and
    /// <see cref="NiceImageFeatureLayout.GlobalPool"/> with one.</summary>
    public NiceImageFeatureLayout Layout { get; }

    /// <summary>
    /// Featurizes the training images once, fits the density model on their features and calibrates its threshold;
    /// returns the whole chain (image loading if configured, the featurizer, the feature transform, the detector).
    /// </summary>
    public TransformerChain<ITransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (loader, featurizer, embeddingTransform) = NewSteps();
        var steps = new List<ITransformer>();
        var data = input;
        if (loader is not null) data = Add(steps, loader.Fit(data), data);
        var fittedFeaturizer = featurizer.Fit(data);
        steps.Add(fittedFeaturizer);
        var featurized = fittedFeaturizer.GetOutputSchema(data.Schema);
        var cached = modelFactory is null
            ? BatchedFeaturization.Embed(ml, data, Layout, options.ImageColumnName, options.EmbeddingColumnName,
                featurized)
            : ml.Data.Cache(fittedFeaturizer.Transform(data), options.EmbeddingColumnName);
        var features = Add(steps, embeddingTransform.Fit(cached), cached);
        steps.Add(detector.Fit(features));
        return new TransformerChain<ITransformer>(steps.ToArray());
    }

    private static IDataView Add(List<ITransformer> steps, ITransformer step, IDataView data)
    {
        steps.Add(step);
        return step.Transform(data);
    }

    /// <summary>The input shape plus the embedding, feature, Score and PredictedLabel columns.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var shape = schemaSteps.Loader?.GetOutputSchema(inputSchema) ?? inputSchema;
        shape = schemaSteps.Featurizer.GetOutputSchema(shape);
        shape = schemaSteps.EmbeddingTransform.GetOutputSchema(shape);
        return detector.GetOutputSchema(shape);
    }
}
