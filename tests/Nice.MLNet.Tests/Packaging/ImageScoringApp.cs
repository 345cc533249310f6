using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>
/// A console app built from the packed package and the ResNet-18 model package, as a user deploys it: it loads a model
/// zip saved by a test with <c>mlContext.Model.Load</c> and with <c>LoadNice</c>, scores the test's 28 × 28 gray images
/// with each (printing "Model.Load …" and "LoadNice …" lines), disposes both, runs the test's own statements, and prints
/// the files that appeared in its temp directory meanwhile ("left-in-temp files: …").
/// </summary>
internal static class ImageScoringApp
{
    /// <summary>Writes the app into <paramref name="app"/>: the NuGet config, the project, <c>model.zip</c> (a copy of
    /// <paramref name="zipPath"/>), <c>images.bin</c> and <c>Program.cs</c> with <paramref name="statements"/> and
    /// <paramref name="types"/> (code that may use <c>ml</c>, <c>data</c> and <c>ImageRow</c>).</summary>
    public static void Write(string app, PackedLibrary packed, string zipPath, IEnumerable<byte[]> images,
        string statements = "", string types = "")
    {
        ConsumerProject.WriteNuGetConfig(app, packed.Feed);
        File.Copy(zipPath, Path.Combine(app, "model.zip"));
        File.WriteAllBytes(Path.Combine(app, "images.bin"), images.SelectMany(g => g).ToArray());
        File.WriteAllText(Path.Combine(app, "app.csproj"),
            ConsumerProject.Csproj(packed.Version, extraItems: ConsumerProject.ResNet18Reference));
        File.WriteAllText(Path.Combine(app, "Program.cs"), Program.Replace("/*STATEMENTS*/", statements)
            .Replace("/*TYPES*/", types));
    }

    /// <summary>Builds the app, then runs it (with <paramref name="environment"/> added, e.g. its own TMPDIR).</summary>
    public static ProcessRun BuildAndRun(string app, IReadOnlyDictionary<string, string>? environment = null)
    {
        var build = ProcessRun.Start("dotnet", new[] { "build", "-c", "Release", "-o", "out" }, app,
            TimeSpan.FromMinutes(8));
        Assert.True(build.ExitCode == 0, build.ToString());
        var run = ProcessRun.Start("dotnet", new[] { Path.Combine("out", "app.dll") }, app, TimeSpan.FromMinutes(8),
            environment);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }

    /// <summary>Issue 17's criterion: both loaders in the fresh app score as the fitted pipeline did, within 1e-3.</summary>
    public static void AssertScoresLikeTheFittedPipeline(ProcessRun run, float[] fitted, string what,
        ITestOutputHelper output)
    {
        foreach (var loader in new[] { "Model.Load", "LoadNice" })
        {
            var scores = run.Floats(loader);
            Assert.Equal(fitted.Length, scores.Length);
            double worst = fitted.Zip(scores, (a, b) => Math.Abs(a - b)).Max();
            output.WriteLine($"{what}, {loader} in a fresh app vs the fitted pipeline over {scores.Length} images: "
                + $"max |Δ| {worst:E2}");
            Assert.True(worst <= 1e-3,
                $"{what}, {loader} in a fresh app: scores differ by up to {worst:E2} nats (issue 17: 1e-3)");
        }
    }

    private const string Program = """
        using System;
        using System.Globalization;
        using System.IO;
        using System.Linq;
        using Microsoft.ML;
        using Microsoft.ML.Data;
        using Microsoft.ML.Transforms.Image;
        using Nice.MLNet;
        using Nice.MLNet.Anomaly;
        using Nice.MLNet.Images;

        string temp = Path.GetTempPath();
        string[] Files() => Directory.GetFiles(temp, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(temp, p).Replace('\\', '/')).OrderBy(p => p).ToArray();
        var before = Files();

        var ml = new MLContext(1);
        var pixels = File.ReadAllBytes("images.bin");
        var images = Enumerable.Range(0, pixels.Length / 784)
            .Select(i => new ImageRow { Image = NiceImageFeatures.GrayImage(pixels[(i * 784)..((i + 1) * 784)], 28, 28) })
            .ToArray();
        var data = ml.Data.LoadFromEnumerable(images);
        using (var loaded = (TransformerChain<ITransformer>)ml.Model.Load("model.zip", out _))
            Print("Model.Load", loaded.Transform(data).GetColumn<float>("Score"));
        using (var loaded = (TransformerChain<ITransformer>)ml.Model.LoadNice("model.zip", out _))
            Print("LoadNice", loaded.Transform(data).GetColumn<float>("Score"));

        /*STATEMENTS*/

        Console.WriteLine("left-in-temp " + string.Join(" ", Files().Except(before).Prepend("files:")));

        static void Print(string name, System.Collections.Generic.IEnumerable<float> scores)
            => Console.WriteLine($"{name} " + string.Join(" ", scores.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));

        public sealed class ImageRow
        {
            [ImageType(28, 28)] public MLImage Image { get; set; } = null!;
            public float Label { get; set; }   // ML.NET cannot save an input schema of image columns only
        }

        /*TYPES*/
        """;
}
