using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Microsoft.ML;
using TorchSharp;

namespace Nice.MLNet.Perf;

/// <summary>
/// One fit timed, for the thread-policy experiments (issue 16 §2): <c>tabular</c> = a small tabular fit (D = 9, 4 × 2 × 64,
/// correlated Gaussian rows), <c>fashion</c> = Fashion-MNIST epochs (4 × 3 × 256 by default). --threads default = the
/// library's automatic count (NiceOptions.Threads = 0), a number = NiceOptions.Threads. The library sets
/// OMP_WAIT_POLICY=PASSIVE itself unless the environment chose a wait policy (threads.sh's "+spin" sets GOMP_SPINCOUNT to
/// libgomp's default, which is how the library ran before). Everything else is the library's defaults.
/// </summary>
public static class ThreadsCommand
{
    public static int Run(Args args)
    {
        string task = args.String("task", "tabular");
        string threads = args.String("threads", "default");
        int rows = args.Int("rows", task == "tabular" ? 5000 : 60_000);
        int epochs = args.Int("epochs", task == "tabular" ? 20 : 1);
        int width = args.Int("width", task == "tabular" ? 64 : 256), hidden = args.Int("hidden", task == "tabular" ? 2 : 3);
        string waitPolicy = args.String("wait-policy", "");
        args.ThrowOnUnknown();
        // Before the first torch call: libgomp (bundled with libtorch) reads OMP_WAIT_POLICY once, when it is loaded. .NET's
        // Environment.SetEnvironmentVariable does not reach the native environment on Linux, so this calls libc's setenv.
        if (waitPolicy != "") NativeEnvironment.Set("OMP_WAIT_POLICY", waitPolicy);
        var (data, d) = task switch
        {
            "tabular" => (Tabular(rows, 9), 9),
            "fashion" => (FashionMnist(rows), 784),
            _ => throw new ArgumentException($"--task: '{task}' is not tabular or fashion."),
        };
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromEnumerable(Workspace.Rows(data, d, rows), Workspace.Definition(d));
        var options = new NiceOptions
        {
            Couplings = 4, HiddenLayers = hidden, HiddenWidth = width, Epochs = epochs, EarlyStoppingPatience = 0,
            Threads = threads == "default" ? 0 : int.Parse(threads),
        };
        if (task == "fashion") options.DequantizationLevels = 256;
        var epochSeconds = new List<double>();
        int fitThreads = 0;
        options.Progress = r => { epochSeconds.Add(r.Seconds); fitThreads = torch.get_num_threads(); };
        var clock = Stopwatch.StartNew();
        using var model = ml.Transforms.Nice(options).Fit(view);
        double seconds = clock.Elapsed.TotalSeconds;
        Result.Print(new Dictionary<string, object?>
        {
            ["task"] = task, ["threads_setting"] = threads, ["torch_threads_in_fit"] = fitThreads,
            ["fit_seconds"] = seconds, ["epoch_seconds"] = epochSeconds.ToArray(), ["rows"] = rows,
            ["omp_wait_policy"] = NativeEnvironment.Get("OMP_WAIT_POLICY"),
            ["gomp_spincount"] = NativeEnvironment.Get("GOMP_SPINCOUNT"),
            ["load"] = Machine.LoadAverage(),
        });
        return 0;
    }

    /// <summary>Rows of 9 correlated Gaussian features (x = A·u, u standard normal, A fixed lower-triangular), seeded.</summary>
    private static float[] Tabular(int rows, int d)
    {
        var rng = new Random(11);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var x = new float[rows * d];
        var u = new double[d];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < d; j++) u[j] = Normal();
            for (int i = 0; i < d; i++)
            {
                double v = 0;
                for (int j = 0; j <= i; j++) v += u[j] / (1 + i - j);
                x[r * d + i] = (float)v;
            }
        }
        return x;
    }

    /// <summary>The first rows of Fashion-MNIST's training images (Debian's dataset-fashion-mnist), pixel values 0…255.</summary>
    private static float[] FashionMnist(int rows)
    {
        const string path = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
        if (!File.Exists(path)) throw new ArgumentException($"{path} not found: apt-get install dataset-fashion-mnist.");
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gz.CopyTo(memory);
        var bytes = memory.ToArray();
        int available = (bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7];
        if (rows > available) throw new ArgumentException($"--rows {rows}: the file holds {available} images.");
        var x = new float[rows * 784];
        for (int i = 0; i < x.Length; i++) x[i] = bytes[16 + i];
        return x;
    }
}
