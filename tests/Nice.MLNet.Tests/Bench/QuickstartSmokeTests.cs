using System;
using System.IO;
using System.Linq;
using Nice.MLNet.Cli.Datasets;
using Nice.MLNet.Images;
using Nice.MLNet.Tests.Commands;
using Xunit;

namespace Nice.MLNet.Tests.Bench;

/// <summary>The main job on the embedded digits and on a folder of images, run as a process on few epochs.</summary>
public sealed class QuickstartSmokeTests : System.IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("nice-quickstart-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Run(params string[] args)
    {
        var run = CliProcess.Run(new[] { "quickstart", "--out", "pictures" }.Concat(args).ToArray(),
            workingDirectory: dir);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Error);
        return run.Output;
    }

    [Fact]
    public void Digits_PrintsProgressLikelihoodAuc_AndWritesSamplesWhereTheUserStands()
    {
        var text = Run("--epochs", "2", "--width", "32");

        Assert.Contains("epoch    2", text);
        Assert.Contains("evaluating 323 test rows: done in", text);
        Assert.Contains("test log-likelihood", text);
        Assert.Contains("AUC", text);
        Assert.True(File.Exists(Path.Combine(dir, "pictures", "digits-samples.png")), text);
    }

    [Fact]
    public void ImageFolder_TrainsAndWritesSamples()
    {
        var (pixels, _) = Digits.Load();
        string folder = Path.Combine(dir, "images");
        Directory.CreateDirectory(folder);
        for (int i = 0; i < 60; i++)
        {
            using var image = NiceImages.ToImage(pixels.AsSpan(i * 64, 64).ToArray(), 8, 8, min: 0, max: 16);
            image.Save(Path.Combine(folder, $"{i:D3}.png"));
        }

        var text = Run("--images", "images", "--size", "8", "--epochs", "2", "--width", "16");

        Assert.Contains("60 images", text);
        Assert.Contains("bits/dim on [0,256)", text);
        Assert.True(File.Exists(Path.Combine(dir, "pictures", "images-samples.png")), text);
    }
}
