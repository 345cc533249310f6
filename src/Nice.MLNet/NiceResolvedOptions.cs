using System.Collections.Generic;

namespace Nice.MLNet;

/// <summary>
/// The settings a Fit trained with, after the options left unset (null) were chosen from the training rows by the
/// rule stated on <see cref="NiceOptions"/>. Read them from <see cref="NiceTrainingSummary.Resolved"/> to see what the
/// defaults chose, or to pin them on another Fit.
/// </summary>
/// <param name="Rows">Training rows the rule saw (it reads at most the first 10,000).</param>
/// <param name="Dimension">D, the size of the feature vectors.</param>
/// <param name="HiddenLayers">Hidden layers of each coupling MLP.</param>
/// <param name="HiddenWidth">Units per hidden layer.</param>
/// <param name="Epochs">Maximum passes over each member's training rows.</param>
/// <param name="BatchSize">Rows per mini-batch.</param>
/// <param name="EarlyStoppingPatience">Epochs without a better held-out NLL before a member stops.</param>
/// <param name="ValidationFraction">Rows held out by a single flow (not used by an ensemble, whose members hold out
/// one fold each).</param>
/// <param name="EnsembleMembers">Flows in the cross-fitted ensemble (1 = one flow).</param>
/// <param name="InputNormalization">Whether the flow starts with its learned input normalization.</param>
/// <param name="Smoothing">The smoothing factor c (0 = none).</param>
/// <param name="ColumnKinds">Each column's kind, detected or overridden.</param>
public sealed record NiceResolvedOptions(
    int Rows, int Dimension, int HiddenLayers, int HiddenWidth, int Epochs, int BatchSize, int EarlyStoppingPatience,
    double ValidationFraction, int EnsembleMembers, bool InputNormalization, double Smoothing,
    IReadOnlyList<NiceColumnKind> ColumnKinds)
{
    /// <summary>Whether each flow kept its best held-out epoch (true) or trained all <see cref="Epochs"/> and kept
    /// the last (false: the rule's choice when there are fewer rows than columns).</summary>
    public bool EarlyStopping { get; init; } = true;

    /// <summary>Whether the model is a kernel mixture (<see cref="NiceOptions.KernelMixture"/>; the rule's choice when
    /// there are fewer rows than columns) instead of flows.</summary>
    public bool KernelMixture { get; init; }
}
