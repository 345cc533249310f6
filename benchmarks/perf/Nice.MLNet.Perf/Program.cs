using System;
using System.Linq;

namespace Nice.MLNet.Perf;

/// <summary>nice-perf: the side-by-side benchmark of issue 16 (see benchmarks/perf/README.md).</summary>
public static class Program
{
    public static int Main(string[] argv)
    {
        string command = argv.FirstOrDefault() ?? "help";
        var args = new Args(argv.Skip(1));
        try
        {
            return command switch
            {
                "compare" => CompareCommand.Run(args),
                "train" => TrainCommand.Run(args),
                "score" => ScoreCommand.Run(args),
                "gemm" => GemmCommand.Run(args),
                "threads" => ThreadsCommand.Run(args),
                "threads-api" => ThreadsApiCommand.Run(args),
                "export-onnx" => ExportOnnx(args),
                _ => Help(),
            };
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"nice-perf {command}: {e.Message}");
            return 2;
        }
    }

    /// <summary>Writes the workspace model's batched graph with this build of the library (to compare graph layouts:
    /// <c>score --engine ort --onnx FILE</c>).</summary>
    private static int ExportOnnx(Args args)
    {
        var ws = new Workspace(args.String("work", "out/perf"));
        string output = args.String("out", ws.Onnx);
        args.ThrowOnUnknown();
        using var model = NiceTransformer.Load(new Microsoft.ML.MLContext(1), ws.Zip);
        using (var f = System.IO.File.Create(output)) model.ExportOnnx(f);
        Console.WriteLine($"wrote {output}");
        return 0;
    }

    private static int Help()
    {
        Console.WriteLine("nice-perf compare [--threads 2,1] [--rounds 3] [--parts train,score,gemm] [--openblas DIR] [--openblas-core NAME]");
        Console.WriteLine("          side by side: training and batched scoring vs PyTorch + OpenBLAS and ONNX Runtime, plus plain GEMM rates");
        Console.WriteLine("nice-perf threads --task tabular|fashion --threads N|default [--wait-policy PASSIVE]   one fit, timed");
        Console.WriteLine("nice-perf threads-api   what torch.set_num_threads changes on other threads (docs/perf-design.md)");
        Console.WriteLine("nice-perf train | score --engine library|transform|transform-torch|ort [--onnx FILE] | gemm --engine torchsharp|ort   (one measurement; used by compare)");
        Console.WriteLine("nice-perf export-onnx [--work DIR] [--out FILE]   the workspace model's graph as this build writes it");
        return 0;
    }
}
