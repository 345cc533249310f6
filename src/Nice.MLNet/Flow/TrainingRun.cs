using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// One call of <see cref="FlowTrainer.Train"/>: the feed, the optimizer, the random streams and the best weights so
/// far. <see cref="Run"/> repeats <see cref="TrainEpoch"/> and <see cref="ValidationNll"/>, offering each epoch to
/// <see cref="BestEpoch"/>, until <see cref="ShouldStop"/> says so, then restores the best weights.
/// </summary>
internal sealed class TrainingRun : IDisposable
{
    private readonly NiceFlow flow;
    private readonly TrainingSettings s;
    private readonly Device device;
    private readonly BatchFeed feed;
    private readonly Random random;
    private readonly Generator noise;
    private readonly Generator validNoise = new(0);
    private readonly TrainingNoise.Prepared? rowNoise;
    private readonly Parameter[] parameters;
    private readonly AdamOptimizer optimizer;
    private readonly Stopwatch clock = new();
    private readonly BestEpoch best;

    public TrainingRun(NiceFlow flow, IRowSource source, TrainingSettings settings)
    {
        this.flow = flow;
        s = settings;
        device = torch.device(s.Device);
        random = new Random(s.StreamSeed);
        noise = new Generator((ulong)(uint)s.StreamSeed + 1);
        rowNoise = s.Noise?.Prepare(ScalarType.Float32, torch.CPU);
        feed = BatchFeed.Create(source, s);
        s.Cancellation.ThrowIfCancellationRequested();
        if (!flow.HasStarted)
        {
            if (flow.Whitening is { } whitening)
            {
                FitWhitening(whitening);
                if (flow.Radial is { } radial) FitRadial(radial, whitening);
            }
            if (s.DataDependentInit) InitializeFromData();
        }
        flow.HasStarted = true;
        parameters = flow.parameters().Where(p => p.requires_grad).ToArray();
        optimizer = new AdamOptimizer(parameters, s.LearningRate, s.Beta1, s.Beta2, s.AdamEpsilon, s.WeightDecay,
            allowFused: s.FusedAdam);
        // The weights before any step are the first good ones: a loss that turns non-finite in epoch 1 restores them.
        best = new BestEpoch(flow, s);
    }

    /// <summary>Runs the epochs and returns their reports; the flow ends with the best weights (also when
    /// cancelled).</summary>
    public IReadOnlyList<EpochReport> Run()
    {
        var reports = new List<EpochReport>();
        clock.Start();
        try
        {
            // A flow with a whitening layer starts at a Gaussian fitted in closed form: epoch 0 scores that start, so
            // training keeps it unless an epoch beats it on the validation rows; with no couplings it is the model.
            if (flow.Whitening is not null)
            {
                var start = Stopwatch.StartNew();
                double? validNll = ValidationNll();
                var report = Report(0, TrainingNll(), validNll, best.Offer(validNll), start);
                reports.Add(report);
                s.Progress?.Invoke(report);
                if (flow.Couplings.Count == 0) return reports;
            }
            for (int epoch = 1; epoch <= s.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                double trainNll = TrainEpoch(epoch);
                double? validNll = feed.ValidRows > 0 || epoch == 1 ? ValidationNll() : null;
                var report = Report(epoch, trainNll, validNll, best.Offer(validNll), epochClock);
                reports.Add(report);
                s.Progress?.Invoke(report);
                if (ShouldStop(validNll)) break;
            }
        }
        finally
        {
            best.Restore();   // also when cancelled mid-epoch or stopped by a non-finite loss
            flow.eval();
        }
        return reports;
    }

    private EpochReport Report(int epoch, double trainNll, double? validNll, bool isBest, Stopwatch epochClock)
    {
        int d = flow.Dimension;
        return new EpochReport(epoch, trainNll, validNll, Units.BitsPerDim(-trainNll, d, s.Dequantization),
            validNll is double v ? Units.BitsPerDim(-v, d, s.Dequantization) : null,
            epochClock.Elapsed.TotalSeconds, isBest, s.Member);
    }

    /// <summary>Mean −log p(x) over the training rows without a step (epoch 0), with its own dequantization
    /// noise.</summary>
    private double TrainingNll()
    {
        flow.eval();
        using var generator = new Generator((ulong)(uint)s.Seed + 4);
        double sum = 0;
        long rows = 0;
        using (no_grad())
            foreach (var raw in feed.TrainBatches(Math.Max(s.BatchSize, 500), new Random(s.Seed + 4)))
            {
                using var batch = raw;
                using var scope = NewDisposeScope();
                sum -= flow.LogLikelihood(ToFlowSpace(raw, generator)).sum().item<float>();
                rows += raw.shape[0];
            }
        flow.train();
        if (rows == 0) throw new InvalidOperationException("The training data has no rows.");
        return sum / rows;
    }

    /// <summary>
    /// Sets the whitening from every training row (not the validation rows), in flow space: two passes in the same
    /// order with the same dequantization noise (<see cref="Whitening.FitFrom"/>).
    /// </summary>
    private void FitWhitening(Whitening whitening) => whitening.FitFrom(WhiteningPass, s.WhiteningShrinkage);

    /// <summary>The training rows in flow space for the fixed first layers' fits: every pass in the same order with
    /// the same dequantization noise. The caller disposes each batch.</summary>
    private IEnumerable<Tensor> WhiteningPass()
    {
        using var generator = new Generator((ulong)(uint)s.Seed + 5);
        foreach (var raw in feed.TrainBatches(Math.Max(s.BatchSize, 500), new Random(s.Seed + 5)))
        {
            var x = ToFlowSpace(raw, generator);
            if (!ReferenceEquals(x, raw)) raw.Dispose();
            yield return x;
        }
    }

    /// <summary>
    /// Sets the radial step from the fitted whitening: its basis is the whitening's leading directions, and the shift
    /// and scale of t = log‖r‖ are the mean and standard deviation of t over the training rows
    /// (<see cref="WhiteningPass"/>, as the whitening saw them).
    /// </summary>
    private void FitRadial(RadialStep radial, Whitening whitening)
    {
        using var scope = NewDisposeScope();
        radial.SetBasis(whitening.Basis!.narrow(1, 0, radial.Rank));
        double sum = 0, sumSquares = 0;
        long n = 0;
        using (no_grad())
            foreach (var x in WhiteningPass())
                using (x)
                using (NewDisposeScope())
                {
                    var t = radial.Split(whitening.Forward(x).Y).T.to(ScalarType.Float64);
                    sum += t.sum().item<double>();
                    sumSquares += t.square().sum().item<double>();
                    n += t.shape[0];
                }
        double mean = sum / n, variance = Math.Max(sumSquares / n - mean * mean, 0);
        radial.SetRadiusScale(mean, Math.Max(Math.Sqrt(variance), 1e-6));
    }

    /// <summary>One pass over the shuffled training rows; returns the mean −log p(x) of the rows seen.</summary>
    private double TrainEpoch(int epoch)
    {
        flow.train();
        double lossSum = 0;
        long rows = 0;
        int batchNo = 0;
        foreach (var raw in feed.TrainBatches(s.BatchSize, random))
        {
            s.Cancellation.ThrowIfCancellationRequested();
            batchNo++;
            using var batch = raw;
            lossSum += Step(raw, epoch, batchNo) * raw.shape[0];
            rows += raw.shape[0];
            if (!s.CacheInMemory && s.StreamingGen0Interval > 0 && batchNo % s.StreamingGen0Interval == 0)
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);   // see TrainingSettings.StreamingGen0Interval
        }
        if (rows == 0) throw new InvalidOperationException("The training data has no rows.");
        return lossSum / rows;
    }

    /// <summary>One optimizer step on a batch; returns its mean loss. A non-finite loss is never applied.</summary>
    private double Step(Tensor raw, int epoch, int batchNo)
    {
        using var scope = NewDisposeScope();
        var x = ToFlowSpace(raw, noise);
        flow.zero_grad();   // gradients to none: backward writes them fresh instead of adding into zeros
        var loss = -flow.LogLikelihood(x).mean();
        double value = loss.item<float>();
        if (!double.IsFinite(value)) throw new NonFiniteLossException(epoch, batchNo, value);
        loss.backward();
        if (s.GradientClipNorm > 0) nn.utils.clip_grad_norm_(parameters, s.GradientClipNorm);
        optimizer.Step();
        return value;
    }

    /// <summary>Mean −log p(x) over the validation rows, or null when there are none. The noise is the same every
    /// epoch.</summary>
    private double? ValidationNll()
    {
        flow.eval();
        validNoise.manual_seed(s.StreamSeed + 2L);
        double sum = 0;
        long rows = 0;
        using (no_grad())
        {
            foreach (var raw in feed.ValidBatches(s.BatchSize))
            {
                using var batch = raw;
                using var scope = NewDisposeScope();
                sum -= flow.LogLikelihood(ToFlowSpace(raw, validNoise)).sum().item<float>();
                rows += raw.shape[0];
            }
        }
        flow.train();
        return rows == 0 ? null : sum / rows;
    }

    /// <summary>Early stopping (patience epochs without a better validation NLL) or the wall-time budget.</summary>
    private bool ShouldStop(double? validNll)
        => validNll is not null && best.PatienceRanOut
           || s.MaxTrainingTime is { } limit && clock.Elapsed >= limit;

    /// <summary>Data-dependent initialization from up to ~4,000 training rows (its own shuffle and noise).</summary>
    private void InitializeFromData()
    {
        if (flow.Whitening is not null)
        {
            DataInit.StartAtWhitening(flow);
            return;
        }
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)(uint)s.StreamSeed + 3);
        var batches = new List<Tensor>();
        long rows = 0;
        foreach (var raw in feed.TrainBatches(Math.Max(s.BatchSize, 500), new Random(s.StreamSeed + 3)))
        {
            batches.Add(ToFlowSpace(raw, generator));
            raw.Dispose();
            if ((rows += batches[^1].shape[0]) >= 4000) break;
        }
        if (batches.Count > 0) DataInit.Apply(flow, cat(batches, 0));
    }

    private Tensor ToFlowSpace(Tensor raw, Generator generator)
    {
        var noisy = rowNoise is null ? raw : rowNoise.Apply(raw, generator);
        var x = s.Dequantization is null ? noisy : s.Dequantization.ToFlow(noisy, noise: true, generator);
        return x.device == device ? x : x.to(device);
    }

    public void Dispose()
    {
        best.Dispose();
        optimizer.Dispose();
        feed.Dispose();
        noise.Dispose();
        validNoise.Dispose();
        rowNoise?.Dispose();
    }
}
