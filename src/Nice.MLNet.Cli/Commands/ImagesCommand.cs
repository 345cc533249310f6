using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Cli.Data;
using Nice.MLNet.Images;

namespace Nice.MLNet.Cli.Commands;

/// <summary>
/// Trains NICE (arXiv:1410.8516) on Fashion-MNIST 28×28 with 8-bit dequantization and writes the paper's kinds of pictures:
/// samples at three temperatures, reconstructions, latent interpolations, inpainting (§5.2) and the scaling vector (§3.3).
/// </summary>
public sealed class ImagesCommand : ICommand
{
    public string Name => "images";
    public string Summary => "train on Fashion-MNIST and write samples, reconstructions, interpolation, inpainting and importance PNGs (--quick: ~2 min)";

    public int Run(Args args)
    {
        bool quick = args.Flag("quick");
        int epochs = args.Int("epochs", quick ? 10 : 25);
        int trainRows = args.Int("train-rows", quick ? 6000 : 20000);
        int width = args.Int("width", quick ? 256 : 400);
        int hidden = args.Int("hidden", quick ? 3 : 4);
        int inpaintSteps = args.Int("inpaint-steps", 1000);
        double inpaintA = args.Double("inpaint-a", 10);
        double inpaintNoise = args.Double("inpaint-noise", 1);
        int seed = args.Int("seed", 1);
        string output = args.String("out", "out/images");
        string? save = args.String("save");
        string? load = args.String("load");
        args.ThrowOnUnknown();
        if (trainRows < 10) throw new ArgumentException("--train-rows must be >= 10.");

        var clock = Stopwatch.StartNew();
        var (trainPixels, _, rows, cols) = Idx.LoadSplit(Idx.FashionMnistFolder, "train", trainRows);
        var (testPixels, _, _, _) = Idx.LoadSplit(Idx.FashionMnistFolder, "t10k", 2000);
        int d = rows * cols;
        var train = Split(trainPixels, d);
        var test = Split(testPixels, d);
        Console.WriteLine($"Nice.MLNet images — Fashion-MNIST {cols}x{rows}: {train.Length} training rows, {test.Length} test rows; {Environment.ProcessorCount} cores");
        Console.WriteLine($"NICE: 4 additive couplings, {hidden} hidden layers x {width} ReLU units, logistic prior, 8-bit dequantization; up to {epochs} epochs, batch 200, Adam 1e-3");

        var ml = new MLContext(seed);
        var options = new NiceOptions
        {
            Couplings = 4, HiddenLayers = hidden, HiddenWidth = width, Epochs = epochs, BatchSize = 200, Seed = seed,
            EarlyStoppingPatience = 5, Progress = r => Console.WriteLine(r),
        }.WithPixelQuantization(scaleImage: 1, offsetImage: 0);
        using var model = load is null ? ml.Transforms.Nice(options).Fit(View(ml, train, d)) : NiceTransformer.Load(ml, load);
        if (load is null) Console.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F0}s; kept epoch {model.TrainingSummary!.BestEpoch}");
        else Console.WriteLine($"loaded {load} (training options ignored)");
        if (save is not null)
        {
            ml.Model.SaveAtomically(model, View(ml, train, d).Schema, save);
            Console.WriteLine($"saved the model to {save}");
        }
        var metrics = model.Evaluate(View(ml, test, d), seed);
        Console.WriteLine($"test log-likelihood {metrics.LogLikelihood:F1} ± {metrics.StandardError:F1} nats (density on [0,1]^784), {metrics.BitsPerDim:F3} bits/dim on [0,256)");

        var shape = new NiceImageShape(cols, rows);
        Directory.CreateDirectory(output);
        string Out(string name) => Path.Combine(output, name);

        model.SaveSampleGrid(Out("samples.png"), shape, new[] { 0.5, 0.75, 1.0 }, perTemperature: 10, seed: seed, scale: 2);
        Console.WriteLine($"wrote {Out("samples.png")}: 10 samples per line at temperatures 0.5, 0.75, 1.0");

        var shown = test[..10];
        model.SaveReconstructionGrid(Out("reconstructions.png"), shape, shown, scale: 2);
        double maxError = shown.Zip(model.Reconstruct(shown)).Max(p => p.First.Zip(p.Second).Max(q => Math.Abs(q.First - q.Second)));
        Console.WriteLine($"wrote {Out("reconstructions.png")}: test images and f^-1(f(x)); largest pixel error {maxError:G3} levels");

        var pairs = Enumerable.Range(0, 5).Select(k => (test[10 + 2 * k], test[11 + 2 * k])).ToArray();
        model.SaveInterpolationGrid(Out("interpolation.png"), shape, pairs, steps: 10, scale: 2);
        Console.WriteLine($"wrote {Out("interpolation.png")}: 5 pairs of test images, z = (1-t) f(a) + t f(b) decoded, t = 0..1 in 10 frames");

        Inpaint(model, shape, test[30..40], new NiceInpaintingOptions { Steps = inpaintSteps, StepNumerator = inpaintA, NoiseScale = inpaintNoise, Seed = seed }, Out("inpainting.png"));

        model.SaveImportance(Out("importance.png"), shape, scale: 8);
        var s = model.LogScale;
        Console.WriteLine($"wrote {Out("importance.png")}: -s_i = log sigma_i per pixel position (black {-s.Max():F2}, white {-s.Min():F2})");
        Console.WriteLine($"total {clock.Elapsed.TotalSeconds:F0}s");
        return 0;
    }

    /// <summary>Lines: originals; the inputs to inpainting (hidden pixels set to the mean of the known ones); the completions.</summary>
    private static void Inpaint(NiceTransformer model, NiceImageShape shape, float[][] images, NiceInpaintingOptions options, string path)
    {
        int w = shape.Width, h = shape.Height;
        // first half of the images: the lower half hidden; second half: a centred 12x12 square hidden
        bool[] Mask(int k) => Enumerable.Range(0, w * h).Select(p =>
        {
            int y = p / w, x = p % w;
            return k < images.Length / 2 ? y < h / 2 : !(y >= h / 2 - 6 && y < h / 2 + 6 && x >= w / 2 - 6 && x < w / 2 + 6);
        }).ToArray();
        var masks = Enumerable.Range(0, images.Length).Select(Mask).ToArray();
        var start = images.Select((img, k) =>
        {
            float mean = img.Where((_, i) => masks[k][i]).Average();
            return img.Select((v, i) => masks[k][i] ? v : mean).ToArray();
        }).ToArray();
        var clock = Stopwatch.StartNew();
        var filled = model.Inpaint(start, masks, options);
        double Rmse(float[][] guess) => Math.Sqrt(images.SelectMany((img, k) => img.Select((v, i) => masks[k][i] ? double.NaN : Math.Pow(v - guess[k][i], 2)))
            .Where(double.IsFinite).Average());
        model.SaveImageGrid(path, shape, new[] { images, start, filled }, scale: 2);
        Console.WriteLine($"wrote {path}: originals / hidden pixels at the known pixels' mean / inpainted ({options.Steps} steps of projected " +
            $"gradient ascent, step {options.StepNumerator:G3}/({options.StepDenominator:G3}+i), noise {options.NoiseScale:G3}; {clock.Elapsed.TotalSeconds:F0}s); RMSE on hidden pixels {Rmse(start):F1} -> {Rmse(filled):F1} levels");
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
