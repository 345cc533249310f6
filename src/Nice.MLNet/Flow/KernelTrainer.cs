using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// Trains a kernel mixture (<see cref="KernelMixture"/>). The n training rows are read into memory and fall into K
/// folds (<see cref="Split.FoldOf"/>, as an ensemble's). Kernel k starts at the Gaussian kernel of Scott's bandwidth
/// on standardized columns — couplings at the identity (their output layers zero), scaling exp(s) = 1/(hₖ σⱼ),
/// hₖ = nₖ^(−1/(D+4)), σⱼ the column's standard deviation (constant columns: the median one) — and is fitted with Adam
/// on the leave-one-out likelihood of the rows outside its fold, log (1/(nₖ − 1)) Σ_{i ∉ fold k, i ≠ j} qₖ(xⱼ − xᵢ),
/// the query rows with the columns' training noise. The K kernels train in step, and after each epoch every row is
/// scored by the kernel that did not train on it; the epoch kept is the one with the best mean out-of-fold NLL over all
/// n rows (early stopping with <see cref="TrainingSettings.EarlyStoppingPatience"/>), so the stopping decision rests on
/// every row, not on one fold. Epoch 0, the start, counts: with no better epoch the model is the kernel density.
/// </summary>
internal sealed class KernelTrainer : IDisposable
{
    private readonly NiceFlow flow;
    private readonly TrainingSettings s;
    private readonly Tensor rows;
    private readonly int[] fold;
    /// <summary>Per kernel m: the rows outside fold m (its centres and its training rows), and the rows of fold m (the
    /// rows it scores out of fold).</summary>
    private readonly long[][] outside, inside;
    private readonly TrainingNoise.Prepared? rowNoise;
    private AdamOptimizer[] optimizers;
    private readonly Parameter[][] parameters;
    private readonly Random random;
    private readonly Generator noise;
    private readonly Stopwatch clock = new();

    private KernelTrainer(NiceFlow flow, IRowSource source, TrainingSettings settings)
    {
        this.flow = flow;
        s = settings;
        int n = flow.Config.KernelRows!.Value, k = flow.Members.Count, d = flow.Dimension;
        var values = new float[(long)n * d];
        int read = 0;
        foreach (var row in source.ReadRows())
        {
            if (read == n)
            {
                read++;
                break;
            }
            row.Span.CopyTo(values.AsSpan(read++ * d, d));
        }
        if (read != n)
            throw new InvalidOperationException($"The kernel mixture was planned for {n} training rows, but the data " +
                $"has {(read > n ? "more" : read.ToString(System.Globalization.CultureInfo.InvariantCulture))}.");
        fold = Enumerable.Range(0, n).Select(i => Split.FoldOf(i, s.Seed, k)).ToArray();
        outside = Enumerable.Range(0, k).Select(m => RowsWhere(f => f != m)).ToArray();
        inside = Enumerable.Range(0, k).Select(m => RowsWhere(f => f == m)).ToArray();
        for (int m = 0; m < k; m++)
            if (outside[m].Length < 2)
                throw new InvalidOperationException($"Kernel {m} has fewer than two training rows outside its fold.");
        // Native memory from here on: released by Dispose, or here when the start fails.
        var device = torch.device(s.Device);
        var host = HostTensors.FromRows(values, n, d);
        rows = host.device == device ? host : host.to(device);
        if (!ReferenceEquals(rows, host)) host.Dispose();
        rowNoise = s.Noise?.Prepare(ScalarType.Float32, device);
        random = new Random(s.Seed);
        noise = new Generator((ulong)(uint)s.Seed + 1);
        parameters = flow.Members.Select(m => m.parameters().ToArray()).ToArray();
        optimizers = Array.Empty<AdamOptimizer>();
        try
        {
            if (!flow.HasStarted) Start();
            flow.HasStarted = true;
            optimizers = parameters.Select(p => new AdamOptimizer(p, s.LearningRate, s.Beta1, s.Beta2, s.AdamEpsilon,
                s.WeightDecay, allowFused: false)).ToArray();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The indices of the rows whose fold satisfies <paramref name="test"/>, in order.</summary>
    private long[] RowsWhere(Func<int, bool> test)
        => Enumerable.Range(0, fold.Length).Where(i => test(fold[i])).Select(i => (long)i).ToArray();

    /// <summary>
    /// Trains <paramref name="flow"/> (a kernel mixture) in place on <paramref name="source"/>'s rows and returns one
    /// report per epoch (epoch 0 = the start); the flow ends with the weights of the best out-of-fold epoch, also when
    /// cancelled or stopped by a non-finite loss.
    /// </summary>
    public static IReadOnlyList<EpochReport> Train(NiceFlow flow, IRowSource source, TrainingSettings settings)
    {
        using var trainer = new KernelTrainer(flow, source, settings);
        return trainer.Run();
    }

    /// <summary>
    /// Stores the rows and folds in the model and starts every kernel at Scott's Gaussian kernel: its couplings are the
    /// identity already (a new coupling net's output layer is zero, <see cref="CouplingNet"/>), so only the scaling is
    /// set.
    /// </summary>
    private void Start()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int d = flow.Dimension;
        flow.Centres!.copy_(rows);
        flow.Folds!.copy_(tensor(fold.Select(f => (float)f).ToArray()));
        var sd = rows.to(ScalarType.Float64).std(0).cpu().data<double>().ToArray();
        var positive = sd.Where(v => v > 0).OrderBy(v => v).ToArray();
        double typical = positive.Length == 0 ? 1 : positive[positive.Length / 2];
        for (int m = 0; m < flow.Members.Count; m++)
        {
            double h = Math.Pow(outside[m].Length, -1.0 / (d + 4));
            var logScale = sd.Select(v => (float)-Math.Log(h * (v > 0 ? v : typical))).ToArray();
            flow.Members[m].Scaling.LogScale.copy_(tensor(logScale));
        }
    }

    private IReadOnlyList<EpochReport> Run()
    {
        var reports = new List<EpochReport>();
        using var best = new BestEpoch(flow, s);
        clock.Start();
        try
        {
            for (int epoch = 0; epoch <= s.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                double trainNll = epoch == 0 ? LeaveOneOutNll() : TrainEpoch(epoch);
                double validNll = OutOfFoldNll();
                bool isBest = best.Offer(validNll);
                int d = flow.Dimension;
                var report = new EpochReport(epoch, trainNll, validNll, Units.BitsPerDim(-trainNll, d, null),
                    Units.BitsPerDim(-validNll, d, null), epochClock.Elapsed.TotalSeconds, isBest);
                reports.Add(report);
                s.Progress?.Invoke(report);
                if (best.PatienceRanOut) break;
                if (s.MaxTrainingTime is { } limit && clock.Elapsed >= limit) break;
            }
        }
        finally
        {
            best.Restore();
            flow.eval();
        }
        return reports;
    }

    /// <summary>One epoch of every kernel on the shuffled rows outside its fold; the mean leave-one-out NLL.</summary>
    private double TrainEpoch(int epoch)
    {
        flow.train();
        double sum = 0;
        long count = 0;
        for (int m = 0; m < flow.Members.Count; m++)
        {
            var own = outside[m].OrderBy(_ => random.Next()).ToArray();
            int batchNo = 0;
            for (int start = 0; start < own.Length; start += s.BatchSize)
            {
                s.Cancellation.ThrowIfCancellationRequested();
                var batch = own.Skip(start).Take(s.BatchSize).ToArray();
                sum += Step(m, batch, epoch, ++batchNo) * batch.Length;
                count += batch.Length;
            }
        }
        return sum / count;
    }

    /// <summary>One Adam step of kernel <paramref name="m"/> on the leave-one-out NLL of the rows
    /// <paramref name="batch"/>.</summary>
    private double Step(int m, long[] batch, int epoch, int batchNo)
    {
        var member = flow.Members[m];
        member.zero_grad();
        // Rows × n × D values at most KernelMixture.ChunkValues at a time: the gradients of the parts add up.
        double value = 0;
        foreach (var part in Parts(batch))
        {
            using var scope = NewDisposeScope();
            var loss = LeaveOneOutLoss(m, part, noise) * ((double)part.Length / batch.Length);
            double v = loss.item<float>();
            if (!double.IsFinite(v)) throw new NonFiniteLossException(epoch, batchNo, v);
            loss.backward();
            value += v;
        }
        if (s.GradientClipNorm > 0) nn.utils.clip_grad_norm_(parameters[m], s.GradientClipNorm);
        optimizers[m].Step();
        return value;
    }

    /// <summary>The rows of <paramref name="batch"/> in parts of at most <see cref="KernelMixture.RowsPerPass"/>
    /// rows.</summary>
    private IEnumerable<long[]> Parts(long[] batch)
    {
        int pass = KernelMixture.RowsPerPass(flow.Config, batch.Length);
        for (int start = 0; start < batch.Length; start += pass) yield return batch.Skip(start).Take(pass).ToArray();
    }

    /// <summary>The mean leave-one-out NLL of every kernel on the rows outside its fold, without a step (epoch 0's
    /// training NLL; its own noise).</summary>
    private double LeaveOneOutNll()
    {
        using var generator = new Generator((ulong)(uint)s.Seed + 3);
        using var _ = no_grad();
        double sum = 0;
        long count = 0;
        for (int m = 0; m < flow.Members.Count; m++)
        {
            foreach (var part in Parts(outside[m]))
            {
                using var scope = NewDisposeScope();
                sum += LeaveOneOutLoss(m, part, generator).item<float>() * (double)part.Length;
                count += part.Length;
            }
        }
        return sum / count;
    }

    /// <summary>−(1/B) Σⱼ log (1/(nₘ − 1)) Σ_{i ∉ fold m, i ≠ j} qₘ(xⱼ + uⱼ − xᵢ) over the rows j of
    /// <paramref name="batch"/>, uⱼ their training noise.</summary>
    private Tensor LeaveOneOutLoss(int m, long[] batch, Generator generator)
    {
        var member = flow.Members[m];
        var index = tensor(batch, device: rows.device);
        var x = rows.index_select(0, index);
        if (rowNoise is not null) x = rowNoise.Apply(x, generator);
        var (logq, _) = KernelMixture.LogKernels(member, x, rows);
        // The rows of fold m and each query row's own row are left out: log (1/(nₘ − 1)) Σ_{i ∉ fold m, i ≠ j}.
        var weights = KernelMixture.LogWeights(flow.Folds!, m).unsqueeze(0).repeat(batch.Length, 1);
        weights = weights.index_put_(tensor(float.NegativeInfinity),
            new TensorIndex[] { TensorIndex.Tensor(arange(batch.Length, device: rows.device)),
                TensorIndex.Tensor(index) });
        double shift = Math.Log(outside[m].Length) - Math.Log(outside[m].Length - 1);
        return -((logq + weights).logsumexp(1) + shift).mean();
    }

    /// <summary>Mean −log pₖ(xⱼ) of every row j under the kernel k of its fold (fixed noise, the same every
    /// epoch).</summary>
    private double OutOfFoldNll()
    {
        flow.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var generator = new Generator((ulong)(uint)s.Seed + 2);
        var x = rowNoise is null ? rows : rowNoise.Apply(rows, generator);
        double sum = 0;
        for (int m = 0; m < flow.Members.Count; m++)
        {
            if (inside[m].Length == 0) continue;
            var ll = KernelMixture.Encode(flow, x.index_select(0, tensor(inside[m], device: rows.device)), m)
                .LogLikelihood;
            sum -= ll.to(ScalarType.Float64).sum().item<double>();
        }
        flow.train();
        return sum / fold.Length;
    }

    public void Dispose()
    {
        foreach (var o in optimizers) o.Dispose();
        rows.Dispose();
        rowNoise?.Dispose();
        noise.Dispose();
    }
}
