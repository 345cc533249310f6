using System.Collections.Generic;

namespace Nice.MLNet;

/// <summary>What a Fit did: the epochs run, the rows used, and how the kept model scores.</summary>
/// <param name="History">One report per epoch, in order.</param>
/// <param name="TrainRows">Rows trained on.</param>
/// <param name="ValidationRows">Rows held out for early stopping.</param>
/// <param name="SkippedRows">Rows skipped for NaN/infinity (only with <see cref="NiceOptions.SkipNonFiniteRows"/>).</param>
/// <param name="BestEpoch">The epoch whose weights were kept.</param>
public sealed record NiceTrainingSummary(IReadOnlyList<NiceEpochReport> History, long TrainRows, long ValidationRows, long SkippedRows, int BestEpoch);
