using System;
using System.Diagnostics;
using System.IO;
using Nice.MLNet.Images;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.Images;

/// <summary>
/// The patched ResNet-18 graph that every grid estimator and every grid fit asks for
/// (<c>ResNetGridTaps.GridModelFile</c>): made once per source file in a process, not read, patched and hashed again.
/// </summary>
public sealed class GridModelFileTests
{
    private readonly ITestOutputHelper output;

    public GridModelFileTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void AskedAgain_ForTheSameSourceFile_AnswersAtOnceWithTheSameFile_AndAgainAfterTheSourceChanges()
    {
        string folder = Path.Combine(Path.GetTempPath(), "nice-grid-source-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            // A private copy, so no earlier fit in this process has asked for this path yet.
            string source = Path.Combine(folder, "ResNet18.onnx");
            File.Copy(NiceImageFeatures.ModelFile("ResNet18Onnx", "ResNet18.onnx"), source);
            var clock = Stopwatch.StartNew();
            string first = ResNetGridTaps.GridModelFile(source);
            double firstSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            string second = ResNetGridTaps.GridModelFile(source);
            double secondSeconds = clock.Elapsed.TotalSeconds;
            output.WriteLine($"first call {firstSeconds:F3} s, second call {secondSeconds * 1e3:F3} ms: {second}");
            Assert.Equal(first, second);
            Assert.True(File.Exists(second));
            Assert.True(secondSeconds < firstSeconds / 10,
                $"The second call took {secondSeconds:F3} s against {firstSeconds:F3} s for the first: it patched again.");

            // A changed source (here: the same bytes written again later) is patched again, to the same content.
            File.SetLastWriteTimeUtc(source, DateTime.UtcNow.AddMinutes(1));
            clock.Restart();
            string third = ResNetGridTaps.GridModelFile(source);
            double thirdSeconds = clock.Elapsed.TotalSeconds;
            output.WriteLine($"after the source's time changed: {thirdSeconds:F3} s");
            Assert.Equal(first, third);
            Assert.True(thirdSeconds > secondSeconds * 10,
                $"After the source changed the call took {thirdSeconds:F3} s, as fast as a remembered answer.");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
