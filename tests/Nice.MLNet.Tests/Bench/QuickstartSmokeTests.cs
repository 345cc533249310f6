using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Nice.MLNet.Cli;
using Nice.MLNet.Cli.Commands;
using Nice.MLNet.Cli.Data;
using Nice.MLNet.Images;
using Xunit;

namespace Nice.MLNet.Tests.Bench;

/// <summary>The main job's three inputs — embedded digits, a CSV file, a folder of images — run end to end on few epochs.</summary>
[Collection(nameof(QuickstartSmokeTests))]
public sealed class QuickstartSmokeTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("nice-quickstart-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Run(params string[] args)
    {
        var previous = Console.Out;
        var writer = new StringWriter();
        Console.SetOut(writer);
        try { Assert.Equal(0, new QuickstartCommand().Run(new Args(args.Concat(new[] { "--out", dir }).ToArray()))); }
        finally { Console.SetOut(previous); }
        return writer.ToString();
    }

    [Fact]
    public void Digits_PrintsLikelihoodAucAndWritesSamples()
    {
        var text = Run("--epochs", "2", "--width", "32");
        Assert.Contains("test log-likelihood", text);
        Assert.Contains("AUC", text);
        Assert.True(File.Exists(Path.Combine(dir, "digits-samples.png")));
    }

    [Fact]
    public void CsvFile_TrainsOnItsNumericColumns()
    {
        var (pixels, _) = Digits.Load();
        string csv = Path.Combine(dir, "rows.csv");
        File.WriteAllLines(csv, new[] { "a,b,c,d" }.Concat(Enumerable.Range(0, 300).Select(i =>
            string.Join(',', pixels.AsSpan(i * 64 + 20, 4).ToArray().Select((v, j) => (v + 0.1f * j + 0.01f * (i % 7)).ToString(CultureInfo.InvariantCulture))))));
        var text = Run("--data", csv, "--epochs", "2", "--width", "16");
        Assert.Contains("4 numeric columns (header skipped)", text);
        Assert.Contains("test log-likelihood", text);
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
        var text = Run("--images", folder, "--size", "8", "--epochs", "2", "--width", "16");
        Assert.Contains("60 images", text);
        Assert.Contains("bits/dim on [0,256)", text);
        Assert.True(File.Exists(Path.Combine(dir, "images-samples.png")));
    }
}
