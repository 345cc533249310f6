using System;
using Microsoft.ML;
using Nice.MLNet.Images;

namespace Nice.MLNet.Tests.Images;

/// <summary>
/// One NICE model shared by a test class: trained through LoadImages → ResizeImages → ConvertToGrayscale → ExtractPixels(scale 1/255)
/// on 1,500 real pictures (Fashion-MNIST at 14×14, or the digits at 8×8); 100 more pictures from the same pipeline are held out.
/// </summary>
public sealed class TrainedImageModel : IDisposable
{
    public TrainedImageModel()
    {
        using var files = ImageFiles.Write(1600);
        var ml = new MLContext(1);
        var data = ImagePipeline.Data(ml, files);
        var pixels = ImagePipeline.Pixels(ml, files, files.Target, rgb: false, scale: 1f / 255).Fit(data);
        var view = ml.Data.Cache(pixels.Transform(data), "Features");
        var options = ImagePipeline.Small(epochs: 12, width: 128).WithPixelQuantization(1f / 255);
        Model = ml.Transforms.Nice(options).Fit(ml.Data.TakeRows(view, 1500));
        Test = ImagePipeline.Features(ml.Data.SkipRows(view, 1500));
        Shape = new NiceImageShape(files.Target, files.Target);
    }

    public NiceTransformer Model { get; }
    public NiceImageShape Shape { get; }
    public float[][] Test { get; }

    public void Dispose() => Model.Dispose();
}
