using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Nice.MLNet.Tests.Images;

/// <summary>The image pipeline under test: LoadImages → ResizeImages → (ConvertToGrayscale) → ExtractPixels.</summary>
internal static class ImagePipeline
{
    public static IEstimator<ITransformer> Pixels(MLContext ml, ImageFiles files, int side, bool rgb, float scale, float offset = 0)
    {
        var load = ml.Transforms.LoadImages("Image", files.Folder, nameof(ImageFiles.PathRow.Path))
            .Append(ml.Transforms.ResizeImages("Image", side, side, "Image"));
        return rgb
            ? load.Append(ml.Transforms.ExtractPixels("Features", "Image", offsetImage: offset, scaleImage: scale))
            : load.Append(ml.Transforms.ConvertToGrayscale("Gray", "Image"))
                  .Append(ml.Transforms.ExtractPixels("Features", "Gray", ImagePixelExtractingEstimator.ColorBits.Red, offsetImage: offset, scaleImage: scale));
    }

    public static IDataView Data(MLContext ml, ImageFiles files) => ml.Data.LoadFromEnumerable(files.Rows);

    public static float[][] Features(IDataView view) => view.GetColumn<float[]>("Features").ToArray();

    /// <summary>Small, fast options for image tests.</summary>
    public static NiceOptions Small(int epochs, int width = 64) => new()
    {
        Couplings = 4, HiddenLayers = 2, HiddenWidth = width, Epochs = epochs, BatchSize = 64, Seed = 3, EarlyStoppingPatience = 0,
    };
}
