using System;

namespace Nice.MLNet.Flow;

/// <summary>
/// Which epoch's weights a fit keeps, and when early stopping ends it: the epoch with the lowest held-out NLL so far
/// (a NaN is never lower), or, with <see cref="TrainingSettings.KeepBestEpoch"/> off, the last one; patience runs out
/// after <see cref="TrainingSettings.EarlyStoppingPatience"/> offered epochs in a row without a lower NLL (0 = never).
/// Holds a snapshot of the kept weights; <see cref="Restore"/> puts them back.
/// </summary>
internal sealed class BestEpoch : IDisposable
{
    private readonly NiceFlow flow;
    private readonly bool keepBest;
    private readonly int patience;
    private ParameterSnapshot snapshot;
    private double lowest = double.PositiveInfinity;
    private int sinceLowest;

    /// <summary>Starts with the flow's current weights as the kept ones.</summary>
    public BestEpoch(NiceFlow flow, TrainingSettings settings)
    {
        this.flow = flow;
        keepBest = settings.KeepBestEpoch;
        patience = settings.EarlyStoppingPatience;
        snapshot = new ParameterSnapshot(flow);
    }

    /// <summary>
    /// Offers the flow's current weights with their held-out NLL (null: none measured, so kept unconditionally);
    /// returns whether they are now the kept ones.
    /// </summary>
    public bool Offer(double? heldOutNll)
    {
        if (heldOutNll is double v && keepBest)
        {
            if (!(v < lowest))
            {
                sinceLowest++;
                return false;
            }
            lowest = v;
            sinceLowest = 0;
        }
        snapshot.Dispose();
        snapshot = new ParameterSnapshot(flow);
        return true;
    }

    /// <summary>True when patience offered epochs in a row have not lowered the held-out NLL.</summary>
    public bool PatienceRanOut => keepBest && patience > 0 && sinceLowest >= patience;

    /// <summary>Puts the kept weights back into the flow.</summary>
    public void Restore() => snapshot.Restore(flow);

    public void Dispose() => snapshot.Dispose();
}
