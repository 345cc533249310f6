using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Nice.MLNet.Perf;

/// <summary>
/// The side-by-side benchmark of issue 16: for each thread count, --rounds rounds of (training: ours vs PyTorch + OpenBLAS;
/// batched scoring: ours (array API and Transform) vs PyTorch vs ONNX Runtime on the library's exported graph; plain GEMMs:
/// TorchSharp/MKL, OpenBLAS, ONNX Runtime MLAS), each measurement in its own process, the order alternating between
/// rounds; prints every measurement, then medians over rounds and the ratios.
/// </summary>
public sealed class CompareCommand
{
    private readonly Dictionary<string, List<double>> results = new();
    private readonly TextWriter log = Console.Out;

    public static int Run(Args args) => new CompareCommand().Execute(args);

    private int Execute(Args args)
    {
        var shape = ModelShape.From(args);
        var ws = new Workspace(args.String("work", "out/perf"));
        int rounds = args.Int("rounds", 3), epochs = args.Int("epochs", 3), reps = args.Int("reps", 3);
        int trainRows = args.Int("train-rows", 5120), scoreRows = args.Int("score-rows", 5120);
        int batch = args.Int("batch", 256), scoreBatch = args.Int("score-batch", 512);
        var threads = args.String("threads", "2,1").Split(',').Select(int.Parse).ToArray();
        var parts = args.String("parts", "train,score,gemm").Split(',').ToHashSet();
        string python = args.String("python", "/usr/bin/python3");
        string script = args.String("script", Path.Combine(AppContext.BaseDirectory, "pytorch_nice.py"));
        string openblas = args.String("openblas", "");
        string core = args.String("openblas-core", "");
        string adam = args.String("torch-adam", "foreach");
        args.ThrowOnUnknown();

        log.WriteLine($"nice-perf compare on {Machine.Describe()}; load average {Machine.LoadAverage()}");
        log.WriteLine($"model {shape}; training batch {batch}, {trainRows} rows/epoch, {epochs} epochs (1st = warm-up); " +
                      $"scoring batch {scoreBatch}, {scoreRows} rows, {reps} timed passes; {rounds} rounds, order alternating");
        if (parts.Contains("train") || parts.Contains("score")) ws.Prepare(shape, Math.Max(trainRows, scoreRows), log);
        var common = shape.ToArgs().Concat(new[] { "--work", ws.Folder }).ToArray();
        var py = new Dictionary<string, string>();
        if (openblas != "") py["LD_LIBRARY_PATH"] = openblas;
        if (core != "") py["OPENBLAS_CORETYPE"] = core;
        var info = new Child("pytorch info", python, new[] { script, "info" }, py).Run();
        log.WriteLine($"PyTorch: {info}");
        bool isOpenBlas = info.GetProperty("blas_files").EnumerateArray().Any(f => f.GetString()!.Contains("openblas", StringComparison.Ordinal));
        log.WriteLine(isOpenBlas ? $"PyTorch's BLAS is OpenBLAS (core {info.GetProperty("openblas_core")})"
                                 : "WARNING: PyTorch is NOT running on OpenBLAS (pass --openblas DIR)");

        foreach (int t in threads)
        {
            var env = Env(t);
            var pyEnv = new Dictionary<string, string>(py);
            foreach (var (k, v) in env) pyEnv[k] = v;
            pyEnv["OPENBLAS_NUM_THREADS"] = t.ToString(CultureInfo.InvariantCulture);
            string T = t.ToString(CultureInfo.InvariantCulture);
            Child Ours(string label, params string[] a) => new(label, Self, a.Concat(common).Concat(new[] { "--threads", T }).ToArray(), env);
            var passiveEnv = new Dictionary<string, string>(env) { ["OMP_WAIT_POLICY"] = "PASSIVE" };
            Child OursPassive(string label, params string[] a) => Ours(label, a) with { Environment = passiveEnv };
            // libgomp's own default (spin 300,000 iterations before sleeping); the library then leaves the wait policy
            // alone, so this is how it trained before it set OMP_WAIT_POLICY=PASSIVE itself.
            var spinEnv = new Dictionary<string, string>(env) { ["GOMP_SPINCOUNT"] = "300000" };
            Child OursSpin(string label, params string[] a) => Ours(label, a) with { Environment = spinEnv };
            Child Torch(string label, params string[] a) => new(label, python, new[] { script }.Concat(a).Concat(shape.ToArgs()).Concat(new[] { "--threads", T }).ToArray(), pyEnv);
            string data = ws.Data;
            for (int r = 0; r < rounds; r++)
            {
                if (parts.Contains("train"))
                    Alternate(r, t,
                        Ours("train ours", "train", "--rows", $"{trainRows}", "--batch", $"{batch}", "--epochs", $"{epochs}"),
                        OursSpin("train ours spin", "train", "--rows", $"{trainRows}", "--batch", $"{batch}", "--epochs", $"{epochs}"),
                        Torch("train pytorch", "train", "--data", data, "--rows", $"{trainRows}", "--batch", $"{batch}", "--epochs", $"{epochs}", "--adam", adam));
                if (parts.Contains("score"))
                    Alternate(r, t,
                        Ours("score ours array", "score", "--engine", "library", "--rows", $"{scoreRows}", "--batch", $"{scoreBatch}", "--reps", $"{reps}"),
                        Torch("score pytorch", "score", "--data", data, "--rows", $"{scoreRows}", "--batch", $"{scoreBatch}", "--reps", $"{reps}", "--params", ws.Params, "--expect", ws.ExpectLogLikelihood),
                        Ours("score ort", "score", "--engine", "ort", "--rows", $"{scoreRows}", "--batch", $"{scoreBatch}", "--reps", $"{reps}"),
                        Ours("score ort no-spin", "score", "--engine", "ort", "--ort-spin", "0", "--rows", $"{scoreRows}", "--batch", $"{scoreBatch}", "--reps", $"{reps}"),
                        Ours("score ours transform", "score", "--engine", "transform", "--rows", $"{scoreRows}", "--reps", $"{reps}"),
                        Ours("score ours transform torch", "score", "--engine", "transform-torch", "--rows", $"{scoreRows}", "--reps", $"{reps}"));
                if (parts.Contains("gemm"))
                    Alternate(r, t,
                        Ours("gemm torchsharp", "gemm", "--engine", "torchsharp", "--batch", $"{batch}"),
                        OursPassive("gemm torchsharp passive", "gemm", "--engine", "torchsharp", "--batch", $"{batch}"),
                        Torch("gemm openblas", "gemm", "--batch", $"{batch}"),
                        Ours("gemm ort", "gemm", "--engine", "ort", "--batch", $"{batch}"));
            }
        }
        Summary(shape, threads, batch);
        log.WriteLine($"load average at end {Machine.LoadAverage()} (other processes make every number noisy; the ratios are of medians over alternating rounds)");
        return 0;
    }

    private static string Self => Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");

    private static Dictionary<string, string> Env(int t) => new()
    {
        ["OMP_NUM_THREADS"] = t.ToString(CultureInfo.InvariantCulture),
        ["MKL_NUM_THREADS"] = t.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Runs the children in an order that rotates with the round, so no engine always goes first.</summary>
    private void Alternate(int round, int threads, params Child[] children)
    {
        for (int i = 0; i < children.Length; i++)
        {
            var c = children[(i + round) % children.Length];
            var result = c.Run();
            string metric = result.TryGetProperty("samples_per_s", out _) ? "samples_per_s" : result.TryGetProperty("rows_per_s", out _) ? "rows_per_s" : "gflops";
            double value = Child.Median(result, metric);
            Add($"{c.Label}|{threads}", value);
            string extra = string.Join(", ", result.EnumerateObject().Where(p => p.Name.StartsWith("max_", StringComparison.Ordinal)).Select(p => $"{p.Name} {p.Value.GetDouble():G3}"));
            log.WriteLine($"  round {round + 1}, {threads} thread(s): {c.Label,-22} {value,9:F1} {metric.Replace('_', ' ')}  (per epoch/pass: " +
                          $"{string.Join(" ", result.GetProperty(metric).EnumerateArray().Select(e => e.GetDouble().ToString("F0", CultureInfo.InvariantCulture)))}){(extra == "" ? "" : "; " + extra)}  load {Machine.LoadAverage().Split(' ')[0]}");
        }
    }

    private void Add(string key, double v)
    {
        if (!results.TryGetValue(key, out var list)) results[key] = list = new List<double>();
        list.Add(v);
    }

    private double Get(string label, int t) => results.TryGetValue($"{label}|{t}", out var l) ? Result.Median(l) : double.NaN;

    private void Summary(ModelShape shape, int[] threads, int batch)
    {
        double trainFlops = shape.TrainFlopsPerSample, scoreFlops = trainFlops / 3;
        log.WriteLine();
        log.WriteLine("| median over rounds | " + string.Join(" | ", threads.Select(t => $"{t} thread(s)")) + " |");
        log.WriteLine("|---|" + string.Join("", threads.Select(_ => "---:|")));
        void Line(string name, Func<int, string> cell)
        {
            var cells = threads.Select(cell).ToArray();
            if (cells.All(c => c.Contains("NaN", StringComparison.Ordinal) || c == "n/a")) return;   // a part that was not run
            log.WriteLine($"| {name} | {string.Join(" | ", cells)} |");
        }
        string Ratio(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? "n/a" : $"{a:F0} vs {b:F0} (**{a / b:F2}**)";
        Line("training samples/s, ours vs PyTorch + OpenBLAS", t => Ratio(Get("train ours", t), Get("train pytorch", t)));
        Line("training samples/s, ours (default: passive waiting) vs ours with libgomp's spinning (GOMP_SPINCOUNT=300000)", t => Ratio(Get("train ours", t), Get("train ours spin", t)));
        Line("batched scoring rows/s, ours (Transform, default engine = ONNX Runtime) vs bare ONNX Runtime", t => Ratio(Get("score ours transform", t), Get("score ort", t)));
        Line("batched scoring rows/s, ours (Transform) default engine vs TorchSharp engine", t => Ratio(Get("score ours transform", t), Get("score ours transform torch", t)));
        Line("batched scoring rows/s, ours (TorchSharp engine, array API) vs PyTorch", t => Ratio(Get("score ours array", t), Get("score pytorch", t)));
        Line("batched scoring rows/s, ours (TorchSharp engine, array API) vs bare ONNX Runtime", t => Ratio(Get("score ours array", t), Get("score ort", t)));
        Line("batched scoring rows/s, ONNX Runtime without spinning vs with", t => Ratio(Get("score ort no-spin", t), Get("score ort", t)));
        Line($"GEMM GFLOP/s (training step's shapes, batch {batch}): TorchSharp (MKL) / same with PASSIVE / OpenBLAS / ORT (MLAS)",
            t => $"{Get("gemm torchsharp", t):F1} / {Get("gemm torchsharp passive", t):F1} / {Get("gemm openblas", t):F1} / {Get("gemm ort", t):F1}");
        double Best(int t) => new[] { Get("gemm torchsharp", t), Get("gemm torchsharp passive", t), Get("gemm openblas", t), Get("gemm ort", t) }
            .Where(v => !double.IsNaN(v)).DefaultIfEmpty(double.NaN).Max();
        Line("best GEMM rate any library reaches (GFLOP/s)", t => $"{Best(t):F1}");
        Line("training, ours: GFLOP/s and share of the best GEMM rate", t => $"{Get("train ours", t) * trainFlops / 1e9:F1} ({Get("train ours", t) * trainFlops / 1e9 / Best(t):P0})");
        Line("training, PyTorch: GFLOP/s and share of the best GEMM rate", t => $"{Get("train pytorch", t) * trainFlops / 1e9:F1} ({Get("train pytorch", t) * trainFlops / 1e9 / Best(t):P0})");
        Line("scoring, ours (Transform, TorchSharp engine): GFLOP/s and share of the best GEMM rate", t => $"{Get("score ours transform torch", t) * scoreFlops / 1e9:F1} ({Get("score ours transform torch", t) * scoreFlops / 1e9 / Best(t):P0})");
        Line("scoring, ours (Transform, default engine): GFLOP/s and share of the best GEMM rate", t => $"{Get("score ours transform", t) * scoreFlops / 1e9:F1} ({Get("score ours transform", t) * scoreFlops / 1e9 / Best(t):P0})");
        Line("scoring, ONNX Runtime: GFLOP/s and share of the best GEMM rate", t => $"{Get("score ort", t) * scoreFlops / 1e9:F1} ({Get("score ort", t) * scoreFlops / 1e9 / Best(t):P0})");
    }
}
