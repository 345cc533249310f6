using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;

namespace Nice.MLNet.Tabular;

/// <summary>
/// The tabular anomaly suite (issue 13). <c>run</c> trains NICE recipes and ML.NET's RandomizedPca on every split and appends
/// per-split rows to a CSV; <c>baselines</c> runs baselines.sh (scikit-learn); <c>report</c> merges result CSVs into the table
/// (means over splits), checking that every file used the same training rows (the split digests). <c>all</c> = the three in order.
/// </summary>
public static class TabularBenchmark
{
    public static readonly Dictionary<string, string> NamedRecipes = new(StringComparer.Ordinal)
    {
        ["nice-default"] = "nice-default:mode=detector,preset=default",
        ["nice-paper"] = "nice-paper:mode=detector,preset=paper",
        ["nice-today-cancer"] = "nice-today-cancer:mode=detector,layers=2,width=64,epochs=300,patience=30,batch=32",
        ["nice-proposed"] = "nice-proposed:preset=rule,folds=5,dq=4,jitter=auto,calib=oof",
    };

    public const string Usage = """
        usage: tabular COMMAND [options]     (from the repository root; OMP_NUM_THREADS=1 recommended)
          all       baselines + run (nice-today-cancer, nice-proposed, RandomizedPca) + report
          baselines scikit-learn's detectors via benchmarks/tabular/baselines.sh (installs python3-sklearn if missing)
          run       --recipes a;b;c (named: nice-today-default, nice-today-cancer, nice-proposed, pca; or name:key=value,...)
          units     --tasks wdbc --recipes R: one split at scale 1, 1e-5 and 1e5; Spearman of the test scores
          fashion   --classes 0,1 --train-rows 6000 --models today,rule: the Fashion-MNIST one-class check of a default rule
          report    --files out/tabular/baselines.csv,out/tabular/nice.csv
          kde       exact Gaussian kernel densities (Scott's and leave-one-out bandwidths, isotropic and shaped); --out F.csv
          flow-kernel  a kernel on every training row whose kernel is a NICE flow fitted by leave-one-out likelihood;
                    --epochs 80 --couplings 4 --width 64
        options: --tasks wine,spam (default all)  --splits 10 (splits first-split..splits-1)  --first-split 0  --out out/tabular/nice.csv  --repo DIR
        """;

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            Console.WriteLine(Usage);
            return 0;
        }
        var options = Options(args.Skip(1));
        string repo = options.GetValueOrDefault("repo") ?? FindRepo();
        int splits = int.Parse(options.GetValueOrDefault("splits") ?? "10", CultureInfo.InvariantCulture);
        int first = int.Parse(options.GetValueOrDefault("first-split") ?? "0", CultureInfo.InvariantCulture);
        var taskNames = options.GetValueOrDefault("tasks")?.Split(',', StringSplitOptions.RemoveEmptyEntries);
        string outDir = Path.Combine(repo, "out", "tabular");
        string baselines = Path.Combine(outDir, "baselines.csv");
        string nice = options.GetValueOrDefault("out") ?? Path.Combine(outDir, "nice.csv");
        switch (args[0])
        {
            case "baselines":
                return RunBaselines(repo, splits, taskNames, baselines);
            case "run":
                RunRecipes(repo, first, splits, taskNames, options.GetValueOrDefault("recipes") ?? "nice-today-cancer;nice-proposed;pca", nice);
                return 0;
            case "units":
                var unitsTask = TabularTask.LoadAll(repo).Single(t => t.Name == (options.GetValueOrDefault("tasks") ?? "wdbc"));
                var unitsRecipe = NiceRecipe.Parse(NamedRecipes.GetValueOrDefault(options.GetValueOrDefault("recipes") ?? "units", options.GetValueOrDefault("recipes") ?? "units:layers=2,width=64,epochs=300,patience=30,batch=32"));
                UnitsCheck.Run(Console.Out, unitsTask, 0, unitsRecipe, new[] { 1e-5, 1e5 });
                return 0;
            case "fashion":
                var classes = (options.GetValueOrDefault("classes") ?? "0,1,2,3,4,5,6,7,8,9").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
                FashionCheck.Run(Console.Out, classes, int.Parse(options.GetValueOrDefault("train-rows") ?? "6000", CultureInfo.InvariantCulture),
                    options.GetValueOrDefault("models") ?? "today,rule");
                return 0;
            case "kde":
                KernelDensityCheck.Run(Console.Out, SelectedTasks(repo, taskNames), first, splits,
                    options.GetValueOrDefault("out"));
                return 0;
            case "flow-kernel":
                FlowKernelCheck.Run(Console.Out, SelectedTasks(repo, taskNames), first, splits,
                    int.Parse(options.GetValueOrDefault("epochs") ?? "80", CultureInfo.InvariantCulture),
                    int.Parse(options.GetValueOrDefault("couplings") ?? "4", CultureInfo.InvariantCulture),
                    int.Parse(options.GetValueOrDefault("width") ?? "64", CultureInfo.InvariantCulture));
                return 0;
            case "report":
                var files = (options.GetValueOrDefault("files") ?? $"{baselines},{nice}").Split(',');
                TabularReport.Write(Console.Out, files.Select(f => Path.IsPathRooted(f) ? f : Path.Combine(repo, f)).ToArray(),
                    taskNames);
                return 0;
            case "all":
                int rc = RunBaselines(repo, splits, taskNames, baselines);
                if (rc != 0) return rc;
                if (File.Exists(nice)) File.Delete(nice);
                RunRecipes(repo, 0, splits, taskNames, options.GetValueOrDefault("recipes") ?? "nice-today-cancer;nice-proposed;pca", nice);
                TabularReport.Write(Console.Out, new[] { baselines, nice });
                return 0;
            default:
                Console.Error.WriteLine($"tabular: unknown command '{args[0]}'.\n{Usage}");
                return 2;
        }
    }

    private static int RunBaselines(string repo, int splits, string[]? tasks, string outFile)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = repo };
        foreach (var a in new[] { Path.Combine(repo, "benchmarks", "tabular", "baselines.sh"), "--splits", splits.ToString(CultureInfo.InvariantCulture), "--out", outFile })
            start.ArgumentList.Add(a);
        if (tasks is not null) { start.ArgumentList.Add("--tasks"); start.ArgumentList.Add(string.Join(",", tasks)); }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start bash for baselines.sh.");
        process.WaitForExit();
        if (process.ExitCode != 0) Console.Error.WriteLine($"tabular: baselines.sh failed with exit code {process.ExitCode}.");
        return process.ExitCode;
    }

    /// <summary>The suite's tasks named in --tasks (all when null), in the order of tasks.csv.</summary>
    private static List<TabularTask> SelectedTasks(string repo, string[]? taskNames)
        => TabularTask.LoadAll(repo).Where(t => taskNames is null || taskNames.Contains(t.Name)).ToList();

    private static void RunRecipes(string repo, int first, int splits, string[]? taskNames, string recipesText, string outFile)
    {
        var recipes = recipesText.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => r == "pca" ? null : NiceRecipe.Parse(NamedRecipes.GetValueOrDefault(r, r))).ToList();
        var tasks = SelectedTasks(repo, taskNames);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
        bool header = !File.Exists(outFile);
        using var writer = new StreamWriter(outFile, append: true);
        if (header) writer.WriteLine("task,split,train_digest,method,auroc,dr5,fpr,seconds,calibration_rows,notes");
        foreach (var task in tasks)
            for (int s = first; s < splits; s++)
            {
                var split = TabularSplit.Make(task, s);
                foreach (var recipe in recipes)
                {
                    var clock = Stopwatch.StartNew();
                    string method;
                    NiceOutcome outcome;
                    if (recipe is null)
                    {
                        method = "RandomizedPca";
                        outcome = Pca(split);
                    }
                    else
                    {
                        method = recipe.Name;
                        outcome = NiceRunner.Run(task, split, recipe);
                    }
                    double auroc = TabularMetrics.Auroc(outcome.TestScores, split.TestLabels);
                    double dr = TabularMetrics.DetectionAt5(outcome.TestScores, split.TestLabels);
                    double fpr = TabularMetrics.FalsePositiveRate(outcome.TestScores, split.TestLabels, outcome.Threshold);
                    string line = string.Join(",", task.Name, s, split.Digest, method, F(auroc), F(dr), F(fpr),
                        clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture), outcome.CalibrationRows, outcome.Notes);
                    writer.WriteLine(line);
                    writer.Flush();
                    Console.WriteLine(line);
                }
            }
    }

    /// <summary>ML.NET's RandomizedPca (rank min(20, D − 1), centred); threshold = 99th percentile of its training scores.</summary>
    private static NiceOutcome Pca(TabularSplit split)
    {
        var ml = new MLContext(split.Seed);
        int d = split.Train[0].Length;
        var model = ml.AnomalyDetection.Trainers.RandomizedPca("Features", rank: Math.Min(20, d - 1), ensureZeroMean: true, seed: split.Seed)
            .Fit(NiceRunner.View(ml, split.Train));
        float[] Scores(float[][] rows) => ml.Data.CreateEnumerable<Scored>(model.Transform(NiceRunner.View(ml, rows)), false).Select(r => r.Score).ToArray();
        var threshold = TabularMetrics.Threshold(Scores(split.Train), TabularMetrics.RequestedFalsePositiveRate);
        return new NiceOutcome(Scores(split.Test), threshold, split.Train.Length, $"rank={Math.Min(20, d - 1)}");
    }

    private sealed class Scored
    {
        public float Score { get; set; }
    }

    private static string F(double v) => v.ToString("F6", CultureInfo.InvariantCulture);

    private static Dictionary<string, string> Options(IEnumerable<string> args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= list.Count)
                throw new ArgumentException($"tabular: expected --name value, found '{list[i]}'.");
            result[list[i][2..]] = list[++i];
        }
        return result;
    }

    private static string FindRepo()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "benchmarks", "tabular", "tasks.csv"))) return dir.FullName;
        throw new DirectoryNotFoundException("tabular: run from inside the repository (benchmarks/tabular/tasks.csv not found), or pass --repo.");
    }
}
