using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Images;

/// <summary>
/// The training images' features for <see cref="NiceImageFeatureEstimator.Fit"/>, computed in batches
/// (<see cref="BatchedResNet"/>) instead of one ONNX Runtime call per image: <c>ResizeImages</c> and
/// <c>ExtractPixels</c> through ML.NET as in the pipeline, then the package's graphs on
/// <see cref="BatchedResNet.BatchSize"/> images a call. The result holds the columns of the fitted featurizer that the
/// embedding transform reads (the pool embedding, or <see cref="NiceImageFeatureLayout.Grid"/>'s three blocks) with
/// the same types, in memory, so the embedding transform and the density model train on it as on the pipeline's own
/// output.
/// </summary>
internal static class BatchedFeaturization
{
    /// <summary>
    /// The featurizer's columns for the images of <paramref name="images"/>. <paramref name="featurized"/> is the
    /// fitted featurizer's output schema (the columns' types are taken from it).
    /// </summary>
    public static IDataView Embed(MLContext ml, IDataView images, NiceImageFeatureLayout layout,
        string imageColumnName, string embeddingColumnName, DataViewSchema featurized)
    {
        string pixels = embeddingColumnName + ".BatchPixels", resized = embeddingColumnName + ".BatchResized";
        var pixelView = ml.Transforms.ResizeImages(resized, NiceImageFeatures.ImageSize, NiceImageFeatures.ImageSize,
                imageColumnName)
            .Append(ml.Transforms.ExtractPixels(pixels, resized))
            .Fit(images).Transform(images);
        string resNet = NiceImageFeatures.ModelFile("ResNet18Onnx", "ResNet18.onnx");
        byte[] symbolic = OnnxBatchDimension.MakeSymbolic(File.ReadAllBytes(resNet));
        var (outputs, columns) = NiceImageFeatures.LayoutOutputs(layout, embeddingColumnName);
        int[] widths = columns.Select(c => ((VectorDataViewType)featurized[c].Type).Size).ToArray();
        var network = layout == NiceImageFeatureLayout.Grid
            ? ResNetGridTaps.AddGridOutputs(symbolic, OnnxBatchDimension.Parameter) : symbolic;

        var rows = columns.Select(_ => new List<float[]>()).ToArray();
        using (var resNetBatches = new BatchedResNet(NiceImageFeatures.ModelFile("ResNetPrepOnnx",
                   "ResNetPreprocess.onnx"), network, outputs, widths))
        using (var cursor = pixelView.GetRowCursor(new[] { pixelView.Schema[pixels] }))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(pixelView.Schema[pixels]);
            var batch = new float[BatchedResNet.BatchSize * BatchedResNet.PixelsPerImage];
            var buffer = default(VBuffer<float>);
            int count = 0;
            void Flush()
            {
                if (count == 0) return;
                var features = resNetBatches.Run(batch, count);
                for (int c = 0; c < columns.Length; c++) rows[c].AddRange(features[c]);
                count = 0;
            }
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                buffer.CopyTo(batch.AsSpan(count * BatchedResNet.PixelsPerImage, BatchedResNet.PixelsPerImage));
                if (++count == BatchedResNet.BatchSize) Flush();
            }
            Flush();
        }
        return View(ml, featurized, columns, rows);
    }

    /// <summary>The rows as an in-memory view with the featurizer's column names and types.</summary>
    private static IDataView View(MLContext ml, DataViewSchema featurized, string[] columns, List<float[]>[] rows)
    {
        var data = Enumerable.Range(0, rows[0].Count).Select(i => new Row
        {
            C0 = rows[0][i],
            C1 = rows.Length > 1 ? rows[1][i] : Array.Empty<float>(),
            C2 = rows.Length > 2 ? rows[2][i] : Array.Empty<float>(),
        }).ToList();
        var schema = SchemaDefinition.Create(typeof(Row));
        var used = new[] { nameof(Row.C0), nameof(Row.C1), nameof(Row.C2) }.Take(columns.Length).ToArray();
        schema.RemoveAll(c => !used.Contains(c.MemberName));
        for (int i = 0; i < used.Length; i++)
        {
            var column = schema.Single(c => c.MemberName == used[i]);
            column.ColumnName = columns[i];
            column.ColumnType = featurized[columns[i]].Type;
        }
        return ml.Data.LoadFromEnumerable(data, schema);
    }

    /// <summary>One image's features: the pool (C0), or the grid's three blocks.</summary>
    private sealed class Row
    {
        public float[] C0 { get; set; } = Array.Empty<float>();
        public float[] C1 { get; set; } = Array.Empty<float>();
        public float[] C2 { get; set; } = Array.Empty<float>();
    }
}
