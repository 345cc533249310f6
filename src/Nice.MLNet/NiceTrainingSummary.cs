using System.Collections.Generic;
using System.Linq;

namespace Nice.MLNet;

/// <summary>What a Fit did: the epochs run, the rows read, and which epoch's weights were kept.</summary>
/// <param name="History">One report per epoch, in order.</param>
/// <param name="Rows">Rows used (training and validation together).</param>
/// <param name="SkippedRows">Rows skipped for NaN/infinity (only with
/// <see cref="NiceOptions.SkipNonFiniteRows"/>).</param>
public sealed record NiceTrainingSummary(IReadOnlyList<NiceEpochReport> History, long Rows, long SkippedRows)
{
    /// <summary>The epoch whose weights the model kept (the best validation NLL, or the last epoch without
    /// validation).</summary>
    public int BestEpoch => History.LastOrDefault(r => r.IsBest)?.Epoch ?? 0;
}
