using System;
using System.Collections.Generic;

namespace Nice.MLNet.Flow;

/// <summary>
/// Maximum-likelihood training of a <see cref="NiceFlow"/>: minimizes the mean of −log p(x) over mini-batches with
/// Adam, shuffles each epoch, keeps the weights of the best validation epoch (early stopping), and never lets a
/// non-finite loss into the weights. One dispose scope per step, so native memory stays flat over epochs. The steps are
/// in <see cref="TrainingRun"/>: an epoch of steps, a validation pass, keeping the best weights, deciding to stop. An
/// ensemble (<see cref="NiceFlow.IsEnsemble"/>) is cross-fitted: its K members are trained one after the other, member
/// k holding out fold k of the rows (<see cref="HeldOutRows"/>). A kernel mixture has its own trainer
/// (<see cref="KernelTrainer"/>).
/// </summary>
internal static class FlowTrainer
{
    /// <summary>
    /// Trains <paramref name="flow"/> in place and returns one report per epoch run. On return, and when cancelled or
    /// stopped by a non-finite loss (<see cref="NonFiniteLossException"/>), the flow holds the best weights seen.
    /// </summary>
    public static IReadOnlyList<EpochReport> Train(NiceFlow flow, IRowSource source, TrainingSettings settings)
    {
        settings.Validate();
        if (source.Dimension != flow.Dimension)
            throw new ArgumentException(
                $"The data has D = {source.Dimension}, the flow expects D = {flow.Dimension}.", nameof(source));
        if (flow.IsKernelMixture) return KernelTrainer.Train(flow, source, settings);
        if (!flow.IsEnsemble)
        {
            using var run = new TrainingRun(flow, source, settings);
            return run.Run();
        }
        // Cross-fitting: member k trains on the other folds and keeps its best epoch on fold k.
        var reports = new List<EpochReport>();
        int folds = flow.Members.Count;
        for (int k = 0; k < folds; k++)
        {
            using var run = new TrainingRun(flow.Members[k], source,
                settings with { Folds = folds, ValidationFold = k, Member = k });
            reports.AddRange(run.Run());
        }
        flow.HasStarted = true;
        flow.eval();
        return reports;
    }
}
