using System.Globalization;
using Nice.MLNet.Flow;

namespace Nice.MLNet;

/// <summary>One epoch of training: mean negative log-likelihoods in nats per row, bits per dimension, and wall
/// time.</summary>
/// <param name="Epoch">1-based epoch number; 0 reports the start of a flow with
/// <see cref="NiceOptions.Whitening"/> (the fitted Gaussian, before any step).</param>
/// <param name="TrainNll">Mean −log p(x) over the epoch's training batches (nats per row).</param>
/// <param name="ValidNll">Mean −log p(x) on the validation rows after the epoch, or null without a validation
/// split.</param>
/// <param name="TrainBitsPerDim">TrainNll in bits per dimension (on the [0, 256) scale with 8-bit
/// dequantization).</param>
/// <param name="ValidBitsPerDim">ValidNll in bits per dimension, or null.</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
/// <param name="IsBest">True when this epoch's model is the one kept (best validation NLL so far).</param>
/// <param name="Member">The ensemble member this epoch trained (0 for a single flow; see
/// <see cref="NiceOptions.EnsembleMembers"/>).</param>
public sealed record NiceEpochReport(
    int Epoch, double TrainNll, double? ValidNll, double TrainBitsPerDim, double? ValidBitsPerDim, double Seconds,
        bool IsBest, int Member = 0)
{
    internal static NiceEpochReport From(EpochReport r)
        => new(r.Epoch, r.TrainNll, r.ValidNll, r.TrainBitsPerDim, r.ValidBitsPerDim, r.Seconds, r.IsBest, r.Member);

    /// <inheritdoc/>
    public override string ToString()
    {
        string valid = ValidNll is double v ? v.ToString("F3", CultureInfo.InvariantCulture) : "-";
        return string.Create(CultureInfo.InvariantCulture,
            $"{(Member > 0 ? $"member {Member}  " : "")}epoch {Epoch,4}  train NLL {TrainNll,10:F3}  " +
            $"valid NLL {valid,10}  " +
            $"bits/dim {ValidBitsPerDim ?? TrainBitsPerDim,7:F4}  {Seconds,6:F1}s{(IsBest ? "  *" : "")}");
    }
}
