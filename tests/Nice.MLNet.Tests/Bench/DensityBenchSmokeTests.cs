using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Nice.MLNet.Cli.Bench;
using Nice.MLNet.Cli.Commands;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.Bench;

/// <summary>Runs the density benchmark's own code path (what `./run.sh density` calls) on tiny synthetic MNIST-format
/// files.</summary>
public sealed class DensityBenchSmokeTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"nice-density-{Guid.NewGuid():N}");

    private readonly ITestOutputHelper output;

    public DensityBenchSmokeTests(ITestOutputHelper output)
    {
        this.output = output;
        Directory.CreateDirectory(folder);
    }

    public void Dispose()
    {
        try { Directory.Delete(folder, true); } catch (IOException) { }
    }

    [Fact]
    public void TinyRun_HasThreeModelsWithFiniteNumbers_AndNiceBeatsTheDiagonalGaussian()
    {
        WriteSplit("train", 600, seed: 1, gzip: true);
        WriteSplit("t10k", 200, seed: 2, gzip: false);
        var outDir = Path.Combine(folder, "out");
        var settings = DensityCommand.Reduced with
        {
            DataFolder = folder, TrainRows = null, Epochs = 8, Width = 64, Hidden = 2, Batch = 50, OutDir = outDir,
        };
        var log = new StringWriter();

        var result = DensityBench.Run(settings, log);
        output.WriteLine(log.ToString());
        output.WriteLine(result.Table());

        Assert.Equal(64, result.Dimension);
        Assert.Equal(600, result.TrainRows);
        Assert.Equal(200, result.TestRows);
        Assert.Equal(3, result.Models.Count);
        Assert.StartsWith("NICE", result.Models[0].Model);
        Assert.StartsWith("diagonal Gaussian", result.Models[1].Model);
        Assert.StartsWith("full-covariance Gaussian", result.Models[2].Model);
        foreach (var m in result.Models)
        {
            Assert.True(double.IsFinite(m.LogLikelihood) && double.IsFinite(m.StandardError)
                && double.IsFinite(m.BitsPerDim), m.ToString());
            Assert.Equal(200, m.Rows);
        }
        Assert.True(result.Models[0].LogLikelihood > result.Models[1].LogLikelihood,
            $"NICE {result.Models[0].LogLikelihood:F2} should beat the diagonal Gaussian "
                + $"{result.Models[1].LogLikelihood:F2}\n{log}");
        Assert.Equal(8, result.History.Count);
        var table = result.Table();
        Assert.Equal(5, table.Trim().Split('\n').Length);
        foreach (var name in new[] { "NICE", "diagonal Gaussian", "full-covariance Gaussian" }) Assert.Contains(name,
            table);
        Assert.True(File.ReadAllLines(Path.Combine(outDir, "history.csv")).Length == 9);
        var png = File.ReadAllBytes(Path.Combine(outDir, "nll.png"));
        Assert.True(png.Length > 1000 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G');
    }

    [Fact]
    public void GaussianBaselines_MatchClosedFormOnATinyExample()
    {
        // Two dimensions, known covariance: the full Gaussian's log-density equals the textbook formula.
        using var train = TorchSharp.torch.tensor(new double[] { 0, 0, 2, 0, 0, 2, 2, 2 }, new long[] { 4, 2 });
        using var test = TorchSharp.torch.tensor(new double[] { 1, 1, 3, 1 }, new long[] { 2, 2 });
        var full = DensityGaussians.Full(train, test, ridge: 0);
        var diag = DensityGaussians.Diagonal(train, test);
        // mean (1,1), ML covariance I: log p = -ln(2π) - ½‖x-μ‖².
        Assert.Equal(-Math.Log(2 * Math.PI), full[0], 10);
        Assert.Equal(-Math.Log(2 * Math.PI) - 2, full[1], 10);
        Assert.Equal(full, diag, (a, b) => Math.Abs(a - b) < 1e-10);
    }

    /// <summary>8x8 images: a bright bar (horizontal or vertical, random position and brightness) on a dark background,
    /// with pixel noise.</summary>
    private void WriteSplit(string split, int n, int seed, bool gzip)
    {
        var rng = new Random(seed);
        var pixels = new byte[n * 64];
        for (int i = 0; i < n; i++)
        {
            bool horizontal = rng.Next(2) == 0;
            int at = rng.Next(1, 7);
            int level = rng.Next(150, 250);
            for (int r = 0; r < 8; r++)
                for (int c = 0; c < 8; c++)
                {
                    bool on = horizontal ? r == at || r == at + 1 : c == at || c == at + 1;
                    int v = on ? level + rng.Next(-5, 6) : rng.Next(0, 12);
                    pixels[i * 64 + r * 8 + c] = (byte)Math.Clamp(v, 0, 255);
                }
        }
        Write(Path.Combine(folder, $"{split}-images-idx3-ubyte"), gzip, Header(0x803, n, 8, 8).Concat(pixels)
            .ToArray());
        Write(Path.Combine(folder, $"{split}-labels-idx1-ubyte"), gzip, Header(0x801, n).Concat(new byte[n]).ToArray());
    }

    private static byte[] Header(params int[] ints) => ints.SelectMany(v => new[] { (byte)(v >> 24), (byte)(v >> 16),
        (byte)(v >> 8), (byte)v }).ToArray();

    private static void Write(string path, bool gzip, byte[] bytes)
    {
        if (!gzip) { File.WriteAllBytes(path, bytes); return; }
        using var gz = new GZipStream(File.Create(path + ".gz"), CompressionLevel.Fastest);
        gz.Write(bytes);
    }
}
