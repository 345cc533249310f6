using System;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Onnx;
using Nice.MLNet.Images;

namespace Microsoft.ML;

/// <summary>
/// Image anomaly detection on pretrained features in ML.NET's catalog:
/// <c>mlContext.AnomalyDetection.Trainers.ImageFeatures(...)</c>.
/// </summary>
public static class NiceImageFeatureCatalog
{
    /// <summary>
    /// Creates a <see cref="NiceImageFeatureEstimator"/>: images → <c>ResizeImages</c> / <c>ExtractPixels</c> →
    /// <c>DnnFeaturizeImage</c> (the model <paramref name="modelFactory"/> selects) → √x → a density model (by default
    /// the full-covariance Gaussian) whose Score (−log p, higher = more anomalous) and PredictedLabel are appended.
    /// With <see cref="NiceImageFeatureOptions.Layout"/> = <see cref="NiceImageFeatureLayout.Grid"/> the featurizer is
    /// ResNet-18 with its layer2/layer3 grids (<see cref="NiceImageFeatures.GridFeaturizer"/>) and
    /// <paramref name="modelFactory"/> is not used.
    /// </summary>
    /// <param name="catalog">The anomaly-detection trainers catalog.</param>
    /// <param name="modelFactory">The featurizer, as for <c>DnnFeaturizeImage</c>:
    /// <c>m =&gt; m.ModelSelector.ResNet18(mlContext, m.OutputColumn, m.InputColumn)</c>. The application references
    /// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> (Nice.MLNet does not: that package ships the model
    /// files).</param>
    /// <param name="options">Columns, the feature transform and the density model; null = the defaults.</param>
    /// <example><code>
    /// var detector = mlContext.AnomalyDetection.Trainers.ImageFeatures(
    ///     m =&gt; m.ModelSelector.ResNet18(mlContext, m.OutputColumn, m.InputColumn),
    ///     new NiceImageFeatureOptions { ImagePathColumnName = "Path", ImageFolder = "images" }).Fit(normalImages);
    /// mlContext.Model.Save(detector, normalImages.Schema, "detector.zip");   // one zip, featurizer included
    /// </code></example>
    public static NiceImageFeatureEstimator ImageFeatures(this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog,
        Func<DnnImageFeaturizerInput, EstimatorChain<ColumnCopyingTransformer>> modelFactory,
        NiceImageFeatureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new NiceImageFeatureEstimator(modelFactory, options);
    }
}
