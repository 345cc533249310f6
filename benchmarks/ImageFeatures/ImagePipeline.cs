using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// The ML.NET steps in front of ResNet-18, as ML.NET's own featurizer package expects them. Read from the package's
/// ResNetPreprocess.onnx (`image-features inspect`): input "OriginalInput" [1,3,224,224] is split into planes R, G, B, concatenated
/// as B, G, R, and a 3x224x224 mean image is subtracted (plane means B 103.06, G 115.90, R 123.15: the Caffe/CNTK ImageNet mean on the
/// 0..255 scale); there is no division by a standard deviation. So the pixels must be planar (C,H,W), in R,G,B order, unscaled 0..255 —
/// exactly ExtractPixels' defaults (ColorBits.Rgb, ColorsOrder.ARGB, interleave false, offset 0, scale 1) — at 224x224.
/// </summary>
public static class ImagePipeline
{
    public const int Size = 224;
    public const int Pixels = 3 * Size * Size;
    public const int FeatureDimension = 512;

    /// <summary>A row holding an in-memory image.</summary>
    public sealed class ImageRow
    {
        [ImageType(28, 28)]
        public MLImage Image { get; set; } = null!;
    }

    /// <summary>
    /// A gray image as an ML.NET image: Bgra32 with B = G = R = the grey level and alpha 255, so ExtractPixels' R, G, B planes
    /// replicate the grey channel (a gray PNG file decodes the same way: SkiaSharp's Gray8 is copied to Bgra8888 by MLImage).
    /// </summary>
    public static MLImage ToImage(ReadOnlySpan<byte> gray, int width, int height)
    {
        var bgra = new byte[4 * gray.Length];
        for (int i = 0; i < gray.Length; i++)
        {
            bgra[4 * i] = bgra[4 * i + 1] = bgra[4 * i + 2] = gray[i];
            bgra[4 * i + 3] = 255;
        }
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, bgra);
    }

    /// <summary>Images start..start+count of <paramref name="images"/> as an IDataView with an "Image" column, created lazily per row.</summary>
    public static IDataView InMemory(MLContext ml, GrayImages images, int start, int count)
        => ml.Data.LoadFromEnumerable(Enumerable.Range(start, count).Select(i => new ImageRow { Image = ToImage(images.Image(i), images.Width, images.Height) }));

    /// <summary>Resize to 224x224 (ML.NET's default IsoCrop, centre; a square image is scaled whole) and extract planar R,G,B 0..255.</summary>
    public static IEstimator<ITransformer> PixelSteps(MLContext ml, string imageColumn = "Image", string pixelsColumn = "Pixels")
        => ml.Transforms.ResizeImages("Resized", Size, Size, imageColumn)
            .Append(ml.Transforms.ExtractPixels(pixelsColumn, "Resized"));

    /// <summary>ML.NET's ResNet-18 featurizer (two OnnxTransformers: preprocessing, then the network; one row per ONNX Runtime call).</summary>
    public static IEstimator<ITransformer> ResNet18(MLContext ml, string pixelsColumn = "Pixels", string featuresColumn = "Features")
        => ml.Transforms.DnnFeaturizeImage(featuresColumn, m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn), pixelsColumn);

    /// <summary>Where the featurizer package's build step copies the two ONNX files (and where ResNet18() looks for them).</summary>
    public static string ModelDirectory => Path.Combine(AppContext.BaseDirectory, "DnnImageModels");

    /// <summary>Reads a vector column of every row.</summary>
    public static IEnumerable<float[]> Column(IDataView data, string name)
    {
        var column = data.Schema[name];
        using var cursor = data.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var buffer = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            yield return buffer.DenseValues().ToArray();
        }
    }
}
