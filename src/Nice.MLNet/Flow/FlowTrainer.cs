using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// Maximum-likelihood training of a <see cref="NiceFlow"/>: minimizes the mean of −log p(x) over mini-batches with Adam,
/// shuffles each epoch, keeps the weights of the best validation epoch (early stopping), and never lets a
/// non-finite loss into the weights. One dispose scope per step, so native memory stays flat over epochs.
/// </summary>
internal static class FlowTrainer
{
    /// <summary>Trains <paramref name="flow"/> in place and returns one report per epoch run.</summary>
    public static IReadOnlyList<NiceEpochReport> Train(NiceFlow flow, IRowSource source, TrainingSettings s)
    {
        s.Validate();
        if (source.Dimension != flow.Dimension)
            throw new ArgumentException($"The data has D = {source.Dimension}, the flow expects D = {flow.Dimension}.", nameof(source));
        var device = torch.device(s.Device);
        int d = flow.Dimension;
        var random = new Random(s.Seed);
        var noise = new Generator((ulong)(uint)s.Seed + 1);
        var validNoise = new Generator(0);
        var reports = new List<NiceEpochReport>();

        using var feed = BatchFeed.Create(source, s);
        s.Cancellation.ThrowIfCancellationRequested();
        if (s.DataDependentInit && !flow.HasStarted) InitializeFromData(flow, feed, s, device);
        flow.HasStarted = true;
        var parameters = flow.parameters().ToArray();
        using var optimizer = new AdamOptimizer(parameters, s.LearningRate, s.Beta1, s.Beta2, s.AdamEpsilon, s.WeightDecay, allowFused: s.FusedAdam);
        // The weights before any step are the first good ones: a loss that turns non-finite in epoch 1 restores them.
        Snapshot? good = new Snapshot(flow);
        double bestValid = double.PositiveInfinity;
        int sinceBest = 0;
        var trainingClock = Stopwatch.StartNew();
        try
        {
            for (int epoch = 1; epoch <= s.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                flow.train();
                double lossSum = 0;
                long rows = 0;
                int batchNo = 0;
                foreach (var raw in feed.TrainBatches(s.BatchSize, random))
                {
                    s.Cancellation.ThrowIfCancellationRequested();
                    batchNo++;
                    using var batch = raw;
                    using var scope = NewDisposeScope();
                    var x = ToFlowSpace(raw, s.Dequantization, noise, device);
                    flow.zero_grad();   // gradients to none: backward writes them fresh instead of adding into zeros
                    var loss = -flow.LogLikelihood(x).mean();
                    double value = loss.item<float>();
                    if (!double.IsFinite(value))
                    {
                        good?.Restore(flow);
                        throw new NiceTrainingException(epoch, batchNo, value);
                    }
                    loss.backward();
                    if (s.GradientClipNorm > 0) nn.utils.clip_grad_norm_(parameters, s.GradientClipNorm);
                    optimizer.Step();
                    lossSum += value * raw.shape[0];
                    rows += raw.shape[0];
                    if (!s.CacheInMemory && s.StreamingGen0Interval > 0 && batchNo % s.StreamingGen0Interval == 0)
                        GC.Collect(0, GCCollectionMode.Forced, blocking: true);   // see TrainingSettings.StreamingGen0Interval
                }
                if (rows == 0) throw new InvalidOperationException("The training data has no rows.");
                double trainNll = lossSum / rows;

                double? validNll = feed.ValidRows > 0 || epoch == 1 ? Evaluate(flow, feed, s, validNoise, device) : null;
                bool isBest;
                if (validNll is double v)
                {
                    isBest = v < bestValid;
                    if (isBest) { bestValid = v; sinceBest = 0; good?.Dispose(); good = new Snapshot(flow); }
                    else sinceBest++;
                }
                else
                {
                    isBest = true;
                    good?.Dispose();
                    good = new Snapshot(flow);
                }
                var report = new NiceEpochReport(epoch, trainNll, validNll,
                    Units.BitsPerDim(-trainNll, d, s.Dequantization),
                    validNll is double vv ? Units.BitsPerDim(-vv, d, s.Dequantization) : null,
                    clock.Elapsed.TotalSeconds, isBest);
                reports.Add(report);
                s.Progress?.Invoke(report);
                if (validNll is not null && s.EarlyStoppingPatience > 0 && sinceBest >= s.EarlyStoppingPatience) break;
                if (s.MaxTrainingTime is { } limit && trainingClock.Elapsed >= limit) break;
            }
            good?.Restore(flow);
        }
        catch (OperationCanceledException)
        {
            good?.Restore(flow);   // cancelled mid-epoch: leave the best weights so far, not a half-trained step
            throw;
        }
        finally
        {
            good?.Dispose();
            noise.Dispose();
            validNoise.Dispose();
            flow.eval();
        }
        return reports;
    }

    /// <summary>Mean −log p(x) over the validation rows, or null when there are none. Dequantization noise is the same every epoch.</summary>
    private static double? Evaluate(NiceFlow flow, BatchFeed feed, TrainingSettings s, Generator validNoise, Device device)
    {
        flow.eval();
        validNoise.manual_seed(s.Seed + 2L);
        double sum = 0;
        long rows = 0;
        using (no_grad())
        {
            foreach (var raw in feed.ValidBatches(s.BatchSize))
            {
                using var batch = raw;
                using var scope = NewDisposeScope();
                var ll = flow.LogLikelihood(ToFlowSpace(raw, s.Dequantization, validNoise, device));
                sum -= ll.sum().item<float>();
                rows += raw.shape[0];
            }
        }
        flow.train();
        return rows == 0 ? null : sum / rows;
    }

    /// <summary>Data-dependent initialization from up to ~4,000 training rows (a separate shuffle, so training's order is unchanged).</summary>
    private static void InitializeFromData(NiceFlow flow, BatchFeed feed, TrainingSettings s, Device device)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)(uint)s.Seed + 3);
        var batches = new List<Tensor>();
        long rows = 0;
        foreach (var raw in feed.TrainBatches(Math.Max(s.BatchSize, 500), new Random(s.Seed + 3)))
        {
            batches.Add(ToFlowSpace(raw, s.Dequantization, generator, device));
            raw.Dispose();
            if ((rows += batches[^1].shape[0]) >= 4000) break;
        }
        if (batches.Count > 0) DataInit.Apply(flow, cat(batches, 0));
    }

    private static Tensor ToFlowSpace(Tensor raw, Dequantization? dq, Generator noise, Device device)
    {
        var x = dq is null ? raw : dq.ToFlow(raw, noise: true, noise);
        return x.device == device ? x : x.to(device);
    }

    /// <summary>A detached copy of every parameter, to restore later.</summary>
    private sealed class Snapshot : IDisposable
    {
        private readonly Tensor[] values;

        public Snapshot(NiceFlow flow)
        {
            // The scope disposes the detached views; without it each snapshot leaked one tensor handle per parameter.
            using var scope = NewDisposeScope();
            using (no_grad()) values = flow.parameters().Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
        }

        public void Restore(NiceFlow flow)
        {
            using var scope = NewDisposeScope();
            using (no_grad())
            {
                var ps = flow.parameters().ToArray();
                for (int i = 0; i < ps.Length; i++) ps[i].copy_(values[i]);
            }
        }

        public void Dispose()
        {
            foreach (var v in values) v.Dispose();
        }
    }
}
