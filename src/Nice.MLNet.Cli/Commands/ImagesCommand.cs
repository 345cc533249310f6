using System;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Cli.Datasets;
using Nice.MLNet.Cli.Hosting;
using Nice.MLNet.Images;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// Trains NICE (arXiv:1410.8516) on Fashion-MNIST 28×28 with 8-bit dequantization and writes the paper's kinds of
/// pictures: samples at three temperatures, reconstructions, latent interpolations, inpainting (§5.2) and the scaling
/// vector (§3.3).
/// </summary>
public sealed class ImagesCommand : Command
{
    private readonly Option<bool> quick = CliOptions.Flag("--quick",
        "Smaller defaults (~2 min): 6,000 rows, 4x3x256, 10 epochs (instead of 20,000 rows, 4x4x400, 25 epochs)");
    private readonly Option<int?> epochs = CliOptions.OptionalInt("--epochs", "Maximum epochs [default: 25, --quick "
        + "10]");
    private readonly Option<int?> trainRows = CliOptions.OptionalInt("--train-rows", "Training images [default: "
        + "20000, --quick 6000]", min: 10);
    private readonly Option<int?> width = CliOptions.OptionalInt("--width", "Hidden units per layer [default: 400, "
        + "--quick 256]");
    private readonly Option<int?> hidden = CliOptions.OptionalInt("--hidden", "Hidden layers per coupling [default: "
        + "4, --quick 3]");
    private readonly Option<int> inpaintSteps = CliOptions.Int("--inpaint-steps", "Gradient steps of inpainting "
        + "(§5.2)", 1000);
    private readonly Option<double> inpaintA = CliOptions.Double("--inpaint-a", "Inpainting step size numerator a in "
        + "a/(b+i)", 10, exclusiveMin: true);
    private readonly Option<double> inpaintNoise = CliOptions.Double("--inpaint-noise", "Inpainting noise scale", 1);
    private readonly Option<int> seed = CliOptions.Int("--seed", "Seed of the weights, the shuffling and the samples",
        1, min: 0);
    private readonly Option<DirectoryInfo> output = CliOptions.OutputFolder("--out", "Folder for the PNG "
        + "files", "out/images");
    private readonly Option<FileInfo?> save = CliOptions.OutputFile("--save", "Also save the trained model to this "
        + "zip");
    private readonly Option<FileInfo?> load = CliOptions.ExistingFile("--load", "Load a model zip instead of training");

    public ImagesCommand()
        : base("images", "Train on Fashion-MNIST and write samples, reconstructions, interpolation, inpainting and "
            + "importance PNGs.")
    {
        foreach (var option in new Option[] { quick, epochs, trainRows, width, hidden, inpaintSteps, inpaintA,
            inpaintNoise, seed, output, save, load })
            Options.Add(option);
        SetAction(Run);
    }

    private int Run(ParseResult p)
    {
        var log = p.InvocationConfiguration.Output;
        bool quick = p.GetValue(this.quick);
        int epochs = p.GetValue(this.epochs) ?? (quick ? 10 : 25);
        int trainRows = p.GetValue(this.trainRows) ?? (quick ? 6000 : 20000);
        int width = p.GetValue(this.width) ?? (quick ? 256 : 400);
        int hidden = p.GetValue(this.hidden) ?? (quick ? 3 : 4);
        int seed = p.GetValue(this.seed);
        string outDir = p.GetValue(output)!.FullName;
        string? save = p.GetValue(this.save)?.FullName;
        string? load = p.GetValue(this.load)?.FullName;
        var inpainting = new NiceInpaintingOptions
        {
            Steps = p.GetValue(inpaintSteps), StepNumerator = p.GetValue(inpaintA),
                NoiseScale = p.GetValue(inpaintNoise), Seed = seed,
        };

        var clock = Stopwatch.StartNew();
        var ml = new MLContext(seed);
        // A model to load is read first, so a wrong file fails before the data are read.
        using var loaded = load is null ? null : NiceTransformer.Load(ml, load);
        var (trainPixels, _, rows, cols) = Idx.LoadSplit(Idx.FashionMnistFolder, "train", trainRows);
        var (testPixels, _, _, _) = Idx.LoadSplit(Idx.FashionMnistFolder, "t10k", 2000);
        int d = rows * cols;
        var train = Split(trainPixels, d);
        var test = Split(testPixels, d);
        log.WriteLine($"Nice.MLNet images — Fashion-MNIST {cols}x{rows}: {train.Length} training rows, {test.Length} "
            + $"test rows; {Environment.ProcessorCount} cores");

        var options = new NiceOptions
        {
            Couplings = 4, HiddenLayers = hidden, HiddenWidth = width, Epochs = epochs, BatchSize = 200, Seed = seed,
            EarlyStoppingPatience = 5, EnsembleMembers = 1, Progress = r => { log.WriteLine(r); log.Flush(); },
        }.WithPixelQuantization(scaleImage: 1, offsetImage: 0);
        if (loaded is null)
            log.WriteLine($"NICE: 4 additive couplings, {hidden} hidden layers x {width} ReLU units, logistic prior, "
                + $"8-bit dequantization; up to {epochs} epochs, batch 200, Adam 1e-3");
        using var trained = loaded is null ? ml.Transforms.Nice(options).Fit(View(ml, train, d)) : null;
        var model = loaded ?? trained!;
        if (loaded is null) log.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F0}s; kept epoch "
            + $"{model.TrainingSummary!.BestEpoch}");
        else log.WriteLine($"loaded {load} (training options ignored)");
        if (save is not null)
        {
            ml.Model.SaveAtomically(model, View(ml, train, d).Schema, save);
            log.WriteLine($"saved the model to {save}");
        }
        var metrics = Phase.Run(log, $"evaluating {test.Length} test images", () => model.Evaluate(View(ml, test, d),
            seed));
        log.WriteLine($"test log-likelihood {metrics.LogLikelihood:F1} ± {metrics.StandardError:F1} nats (density on "
            + $"[0,1]^784), {metrics.BitsPerDim:F3} bits/dim on [0,256)");

        var shape = new NiceImageShape(cols, rows);
        Directory.CreateDirectory(outDir);
        string Out(string name) => Path.Combine(outDir, name);

        model.SaveSampleGrid(Out("samples.png"), shape, new[] { 0.5, 0.75, 1.0 }, perTemperature: 10, seed: seed,
            scale: 2);
        log.WriteLine($"wrote {Out("samples.png")}: 10 samples per line at temperatures 0.5, 0.75, 1.0");

        var shown = test[..10];
        model.SaveReconstructionGrid(Out("reconstructions.png"), shape, shown, scale: 2);
        double maxError = shown.Zip(model.Reconstruct(shown)).Max(p => p.First.Zip(p.Second).Max(q =>
            Math.Abs(q.First - q.Second)));
        log.WriteLine($"wrote {Out("reconstructions.png")}: test images and f^-1(f(x)); largest pixel error "
            + $"{maxError:G3} levels");

        var pairs = Enumerable.Range(0, 5).Select(k => (test[10 + 2 * k], test[11 + 2 * k])).ToArray();
        model.SaveInterpolationGrid(Out("interpolation.png"), shape, pairs, steps: 10, scale: 2);
        log.WriteLine($"wrote {Out("interpolation.png")}: 5 pairs of test images, z = (1-t) f(a) + t f(b) decoded, t "
            + $"= 0..1 in 10 frames");

        Inpaint(model, shape, test[30..40], inpainting, Out("inpainting.png"), log);

        model.SaveImportance(Out("importance.png"), shape, scale: 8);
        var s = model.LogScale;
        log.WriteLine($"wrote {Out("importance.png")}: -s_i = log sigma_i per pixel position (black {-s.Max():F2}, "
            + $"white {-s.Min():F2})");
        log.WriteLine($"total {clock.Elapsed.TotalSeconds:F0}s");
        return CliHost.Success;
    }

    /// <summary>
    /// Lines: originals; the inputs to inpainting (hidden pixels set to the mean of the known ones); the completions.
    /// The first half of the images has its lower half hidden, the second half a centred 12x12 square.
    /// </summary>
    private static void Inpaint(NiceTransformer model, NiceImageShape shape, float[][] images,
        NiceInpaintingOptions options,
        string path, TextWriter log)
    {
        int w = shape.Width, h = shape.Height, half = images.Length / 2;
        bool[] Mask(int k) => Enumerable.Range(0, w * h).Select(p =>
        {
            int y = p / w, x = p % w;
            return k < half ? y < h / 2 : !(y >= h / 2 - 6 && y < h / 2 + 6 && x >= w / 2 - 6 && x < w / 2 + 6);
        }).ToArray();
        var masks = Enumerable.Range(0, images.Length).Select(Mask).ToArray();
        var start = images.Select((img, k) =>
        {
            float mean = img.Where((_, i) => masks[k][i]).Average();
            return img.Select((v, i) => masks[k][i] ? v : mean).ToArray();
        }).ToArray();
        var clock = Stopwatch.StartNew();
        var filled = Phase.Run(log, $"inpainting {images.Length} images ({options.Steps} steps of projected gradient "
            + $"ascent)",
            () => model.Inpaint(start, masks, options));
        double Rmse(float[][] guess) => Math.Sqrt(images.SelectMany((img, k) => img.Select((v, i) => masks[k][i]
            ? double.NaN : Math.Pow(v - guess[k][i], 2)))
            .Where(double.IsFinite).Average());
        model.SaveImageGrid(path, shape, new[] { images, start, filled }, scale: 2);
        log.WriteLine($"wrote {path}: originals / hidden pixels at the known pixels' mean / inpainted "
            + $"({options.Steps} steps of projected gradient ascent, "
            + $"step {options.StepNumerator:G3}/({options.StepDenominator:G3}+i), noise {options.NoiseScale:G3}; "
            + $"{clock.Elapsed.TotalSeconds:F0}s); RMSE on hidden pixels {Rmse(start):F1} -> {Rmse(filled):F1} levels");
    }

    private static float[][] Split(float[] pixels, int d)
        => Enumerable.Range(0, pixels.Length / d).Select(i => pixels.AsSpan(i * d, d).ToArray()).ToArray();

    private static IDataView View(MLContext ml, float[][] rows, int d)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new Row { Features = r }), definition);
    }

    private sealed class Row
    {
        public float[] Features = Array.Empty<float>();
    }
}
