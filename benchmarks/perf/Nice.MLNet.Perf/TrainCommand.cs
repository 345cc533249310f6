using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using TorchSharp;

namespace Nice.MLNet.Perf;

/// <summary>
/// Training samples/s of Nice.MLNet through its front door (mlContext.Transforms.Nice(...).Fit), the epoch times reported by
/// NiceOptions.Progress; epoch 1 is warm-up. No validation split and no early stopping, so every epoch is the same work.
/// --threads N is NiceOptions.Threads (0 = the library's automatic count).
/// </summary>
public static class TrainCommand
{
    public static int Run(Args args)
    {
        var shape = ModelShape.From(args);
        var ws = new Workspace(args.String("work", "out/perf"));
        int rows = args.Int("rows", 5120), batch = args.Int("batch", 256), epochs = args.Int("epochs", 3);
        int threads = args.Int("threads", 0);
        args.ThrowOnUnknown();
        var data = Workspace.ReadFloats(ws.Data, (long)rows * shape.Dimension);
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromEnumerable(Workspace.Rows(data, shape.Dimension, rows), Workspace.Definition(shape.Dimension));
        var rates = new List<double>();
        using var model = ml.Transforms.Nice(new NiceOptions
        {
            Couplings = shape.Couplings, HiddenLayers = shape.HiddenLayers, HiddenWidth = shape.Width,
            Epochs = epochs, BatchSize = batch, ValidationFraction = 0, EarlyStoppingPatience = 0, Seed = 1,
            DataDependentInit = false, Threads = threads,
            // The paper's plain NICE, as PyTorch builds it: not the tabular rule's ensemble and input normalization.
            EnsembleMembers = 1, InputNormalization = false, Smoothing = 0, DetectColumnKinds = false,
            Progress = r => rates.Add(rows / r.Seconds),
        }).Fit(view);
        Result.Print(new Dictionary<string, object?>
        {
            ["samples_per_s"] = rates.Skip(1).ToArray(), ["warmup"] = rates[0], ["threads"] = threads,
        });
        return 0;
    }
}
