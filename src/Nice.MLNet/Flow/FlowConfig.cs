using System;
using System.Text.Json.Serialization;

namespace Nice.MLNet.Flow;

/// <summary>
/// The architecture of a NICE flow: everything needed to rebuild it before loading its weights. The options' defaults
/// live in the face (<c>NiceDefaults</c>); the only values given here are the file format's: the fields after Prior are
/// NICE's successors, at the paper's model (additive couplings, no mixing, no actnorm) they are left out of the JSON
/// the ONNX export writes, so a NICE model's file is the same as before they existed and a file without them loads as
/// NICE. <c>Coupling</c>: additive (NICE) or affine (RealNVP) couplings; <c>Mixing</c>: the invertible mixing between
/// consecutive couplings (none, fixed permutation, learned LU); <c>ActNorm</c>: an actnorm layer before each coupling
/// (Glow); <c>InputNorm</c>: a learned per-dimension affine map at the bottom (<see cref="Flow.InputNorm"/>);
/// <c>Members</c>: null for one flow, K ≥ 2 for a cross-fitted ensemble of K flows of this architecture whose density
/// is their mean (<see cref="NiceFlow.Members"/>); <c>Whitening</c>: a fixed affine first layer set from the training
/// rows (<see cref="Flow.Whitening"/>), the one field that allows <c>Couplings</c> = 0 (the flow is then the whitening
/// and the scaling: a Gaussian); <c>WhiteningRank</c>: null, or K in [1, D − 1] for Full whitening in the low-rank
/// form (the probabilistic-PCA covariance, a basis of K directions); <c>KernelRows</c>: null, or n for a kernel
/// mixture (<see cref="KernelMixture"/>): the ensemble's K members are kernels q_k, and the model holds its n training
/// rows and their folds, p(x) = (1/K) Σₖ (1/nₖ) Σ_{i ∉ fold k} qₖ(x − xᵢ). The fields after <c>Prior</c> are left out
/// of the JSON at their defaults.
/// </summary>
internal sealed record FlowConfig(
    int Dimension,
    int Couplings,
    int HiddenLayers,
    int HiddenWidth,
    NiceActivation Activation,
    NicePartition Partition,
    NicePrior Prior,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    NiceCoupling Coupling = NiceCoupling.Additive,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    NiceMixing Mixing = NiceMixing.None,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    bool ActNorm = false,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    bool InputNorm = false,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    int? Members = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    NiceWhitening Whitening = NiceWhitening.None,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    int? WhiteningRank = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    int? KernelRows = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    bool Radial = false)
{
    /// <summary>True for the paper's model: additive couplings, no mixing, no actnorm, no input
    /// normalization.</summary>
    [JsonIgnore]
    public bool IsPlainNice => Coupling == NiceCoupling.Additive && Mixing == NiceMixing.None && !ActNorm && !InputNorm
        && Members is null && Whitening == NiceWhitening.None && KernelRows is null && !Radial;

    /// <summary>True for an ensemble of <see cref="Members"/> ≥ 2 flows of this architecture.</summary>
    [JsonIgnore]
    public bool IsEnsemble => Members is not null;

    /// <summary>
    /// True when the config uses a part that file format 1.1 does not know (<see cref="InputNorm"/>, an ensemble):
    /// such a model is written as format 1.2, which older readers refuse by name.
    /// </summary>
    [JsonIgnore]
    public bool NeedsFormat12 => InputNorm || Members is not null;

    /// <summary>True for a kernel mixture (<see cref="KernelRows"/> set): one kernel per training row.</summary>
    [JsonIgnore]
    public bool IsKernelMixture => KernelRows is not null;

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> naming the first field out of range as
    /// "<paramref name="owner"/>.Name".
    /// </summary>
    public void Validate(string owner = nameof(FlowConfig))
    {
        var check = new SettingCheck(owner);
        if (Dimension < 2) check.Fail(nameof(Dimension), Dimension,
            "must be >= 2 (NICE needs at least 2 input dimensions to split)");
        if (Whitening == NiceWhitening.None) check.AtLeast(Couplings, 1, nameof(Couplings),
            "the paper uses 4; 0 needs Whitening = Diagonal or Full");
        else check.AtLeast(Couplings, 0, nameof(Couplings), "the paper uses 4");
        check.AtLeast(HiddenLayers, 1, nameof(HiddenLayers), "the paper uses 5");
        check.AtLeast(HiddenWidth, 1, nameof(HiddenWidth), "the paper uses 1000");
        Defined(check, Activation, nameof(Activation));
        Defined(check, Partition, nameof(Partition));
        Defined(check, Prior, nameof(Prior));
        Defined(check, Coupling, nameof(Coupling));
        Defined(check, Mixing, nameof(Mixing));
        Defined(check, Whitening, nameof(Whitening));
        if (Members is int k && (k < 2 || k > MaxMembers))
            check.Fail(nameof(Members), k, $"must be null (one flow) or in [2, {MaxMembers}]");
        if (WhiteningRank is int rank && (Whitening != NiceWhitening.Full || rank < 1 || rank >= Dimension))
            check.Fail(nameof(WhiteningRank), rank,
                $"must be null or in [1, D − 1 = {Dimension - 1}], with Whitening = Full");
        if (Whitening != NiceWhitening.None && Members is not null)
            check.Fail(nameof(Whitening), Whitening, "is not supported in an ensemble (Members): use one flow");
        ValidateRadial(check);
        if (KernelRows is int rows)
        {
            if (Members is not int folds)
                check.Fail(nameof(KernelRows), rows, "needs Members >= 2 (the kernels are cross-fitted on folds)");
            else if (rows < 2 * folds || rows > MaxKernelRows)
                check.Fail(nameof(KernelRows), rows, $"must be in [2 × Members = {2 * folds}, {MaxKernelRows}]");
            if (Whitening != NiceWhitening.None || InputNorm)
                check.Fail(nameof(KernelRows), rows, "is not supported with Whitening or InputNorm");
        }
    }

    /// <summary>True when <see cref="Radial"/> is on: the couplings act on the low-rank whitening's
    /// <see cref="WhiteningRank"/> leading coordinates and the log-length of the residual (<see cref="RadialStep"/>).
    /// </summary>
    private void ValidateRadial(SettingCheck check)
    {
        if (!Radial) return;
        // The rank's upper bound, D − 2, is checked when the step is made (NiceOptions validates on a stand-in D).
        if (Whitening != NiceWhitening.Full || WhiteningRank is null)
            check.Fail(nameof(Radial), Radial, "needs Full whitening with a WhiteningRank");
        if (Coupling != NiceCoupling.Additive || Mixing != NiceMixing.None || ActNorm || InputNorm)
            check.Fail(nameof(Radial), Radial,
                "supports additive couplings only, without mixing, actnorm or InputNorm");
        if (Prior != NicePrior.Gaussian)
            check.Fail(nameof(Radial), Radial, "needs the Gaussian prior (the residual's length is χ-distributed)");
    }

    /// <summary>The most training rows a kernel mixture may hold (each scored row costs K·n kernel
    /// evaluations).</summary>
    public const int MaxKernelRows = 100_000;

    /// <summary>The largest ensemble a config may describe.</summary>
    public const int MaxMembers = 64;

    private static void Defined<T>(SettingCheck check, T value, string name) where T : struct, Enum
    {
        if (!Enum.IsDefined(value)) check.Fail(name, value, $"is not a {typeof(T).Name} value");
    }
}
