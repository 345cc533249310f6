using System.Collections.Generic;
using System.Linq;

namespace Nice.MLNet;

/// <summary>What a Fit did: the epochs run, the rows read, and which epoch's weights were kept.</summary>
/// <param name="History">One report per epoch, in order.</param>
/// <param name="Rows">Rows used (training and validation together).</param>
/// <param name="SkippedRows">Rows skipped for NaN/infinity (only with
/// <see cref="NiceOptions.SkipNonFiniteRows"/>).</param>
/// <param name="Resolved">The settings the Fit used, with the rule's choices for the options left unset (null for a
/// model saved before they were recorded).</param>
public sealed record NiceTrainingSummary(IReadOnlyList<NiceEpochReport> History, long Rows, long SkippedRows,
    NiceResolvedOptions? Resolved = null)
{
    /// <summary>The epoch whose weights the model kept (the best validation NLL, or the last epoch without
    /// validation); for an ensemble, member 0's (see <see cref="BestEpochs"/>).</summary>
    public int BestEpoch => BestEpochs.FirstOrDefault();

    /// <summary>The kept epoch of each ensemble member, in member order (one value for a single flow).</summary>
    public IReadOnlyList<int> BestEpochs => History.GroupBy(r => r.Member).OrderBy(g => g.Key)
        .Select(g => g.LastOrDefault(r => r.IsBest)?.Epoch ?? 0).DefaultIfEmpty(0).ToArray();
}
