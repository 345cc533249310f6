using System;
using System.Collections.Generic;
using System.Linq;

namespace Nice.MLNet.Flow;

/// <summary>
/// The layers and trained parameters a <see cref="NiceFlow"/> of a given <see cref="FlowConfig"/> has — their names
/// (as <c>flow.named_parameters()</c> gives them), shapes and order — worked out from the config alone, without
/// TorchSharp. Lets a saved model's weights be checked, exported as a graph and scored without loading libtorch. The
/// flow tests assert that it matches <see cref="NiceFlow"/> for every config kind.
/// </summary>
internal sealed class FlowLayout
{
    /// <summary>One layer below the scaling, named as in <c>flow.named_modules()</c> ("layers.3").</summary>
    public abstract record Step(string Prefix);

    /// <summary>
    /// Coupling <paramref name="Index"/> (0-based): its partition, its net's linear layers (parameter name prefixes,
    /// hidden layers then the output layer), whether it is affine (an extra parameter "….scale").
    /// </summary>
    public sealed record CouplingStep(string Prefix, int Index, Partition Partition, IReadOnlyList<string> Linears,
        bool Affine) : Step(Prefix);

    /// <summary>A fixed permutation: its π is the persistent buffer "….perm".</summary>
    public sealed record PermutationStep(string Prefix) : Step(Prefix);

    /// <summary>A learned LU mixing: parameter "….lu", fixed buffers "….perm" and "….sign".</summary>
    public sealed record LuStep(string Prefix) : Step(Prefix);

    /// <summary>An actnorm: parameters "….bias" and "….logs".</summary>
    public sealed record ActNormStep(string Prefix) : Step(Prefix);

    /// <summary>
    /// The fixed whitening (<see cref="Whitening"/>), first when the config has one: no parameters, persistent buffers
    /// "whitening.mean" [D] and "whitening.weight" ([D, D] lower triangular when <paramref name="Full"/>, else [D]);
    /// in the low-rank form (<paramref name="Rank"/> K ≥ 1) "whitening.weight" [1], "whitening.basis" [D, K] and
    /// "whitening.gain" [K].
    /// </summary>
    public sealed record WhiteningStep(string Prefix, bool Full, int Rank = 0) : Step(Prefix);

    /// <summary>
    /// The radial step (<see cref="Flow.RadialStep"/>, <see cref="FlowConfig.Radial"/>): couplings on R + 1 numbers
    /// (<paramref name="Inner"/>, named "….inner.k"), its own scaling "….scaling.s" [R + 1], and the fixed buffers
    /// "….basis" [D, R] and "….radius" [4].
    /// </summary>
    public sealed record RadialStep(string Prefix, int Rank, IReadOnlyList<CouplingStep> Inner, string Scaling)
        : Step(Prefix);

    /// <summary>The whitening module's name (<see cref="NiceFlow.Whitening"/>).</summary>
    public const string WhiteningName = "whitening";

    /// <summary>The input normalization at the bottom: parameters "….logs" and "….bias".</summary>
    public sealed record InputNormStep(string Prefix) : Step(Prefix);

    /// <summary>
    /// One flow of the model: its layers below the scaling, bottom first, and its scaling's parameter name. A single
    /// flow has one member with prefix ""; an ensemble's member k has prefix "members.k." (as
    /// <c>flow.named_parameters()</c> names it).
    /// </summary>
    public sealed record Member(IReadOnlyList<Step> Steps, string Scaling);

    /// <summary>The layout of <paramref name="config"/> (validated first).</summary>
    public FlowLayout(FlowConfig config)
    {
        config.Validate();
        Config = config;
        var parameters = new List<(string, long[])>();
        var members = new List<Member>();
        // A kernel mixture's own values come before its members' (NiceFlow registers them first).
        if (config.KernelRows is int n)
        {
            parameters.Add((CentresName, new long[] { n, config.Dimension }));
            parameters.Add((FoldsName, new long[] { n }));
        }
        if (config.Members is int k)
            for (int m = 0; m < k; m++) members.Add(AddMember(config, $"members.{m}.", parameters));
        else members.Add(AddMember(config, "", parameters));
        Members = members;
        Parameters = parameters;
    }

    /// <summary>One flow's steps and parameters (names prefixed with <paramref name="root"/>), in
    /// <see cref="NiceFlow"/>'s order.</summary>
    private static Member AddMember(FlowConfig config, string root, List<(string, long[])> parameters)
    {
        int d = config.Dimension, i = 0;
        var steps = new List<Step>();
        if (config.Whitening != NiceWhitening.None)
            steps.Add(new WhiteningStep(root + WhiteningName, config.Whitening == NiceWhitening.Full,
                config.WhiteningRank ?? 0));
        if (config.InputNorm)
        {
            var prefix = $"{root}layers.{i++}";
            steps.Add(new InputNormStep(prefix));
            parameters.Add(($"{prefix}.logs", new long[] { d }));
            parameters.Add(($"{prefix}.bias", new long[] { d }));
        }
        if (config.Radial)
        {
            var prefix = $"{root}layers.{i++}";
            int rank = config.WhiteningRank!.Value;
            var inner = Enumerable.Range(0, config.Couplings)
                .Select(k => Coupling(config, $"{prefix}.inner.{k}", k, rank + 1, parameters)).ToList();
            steps.Add(new RadialStep(prefix, rank, inner, $"{prefix}.{ScalingName}"));
            parameters.Add(($"{prefix}.{ScalingName}", new long[] { rank + 1 }));
            parameters.Add((root + ScalingName, new long[] { d }));
            return new Member(steps, root + ScalingName);
        }
        for (int k = 0; k < config.Couplings; k++)
        {
            // The order NiceFlow adds its layers in: actnorm, mixing (between couplings only), coupling.
            if (config.ActNorm)
            {
                var prefix = $"{root}layers.{i++}";
                steps.Add(new ActNormStep(prefix));
                parameters.Add(($"{prefix}.bias", new long[] { d }));
                parameters.Add(($"{prefix}.logs", new long[] { d }));
            }
            if (k > 0 && config.Mixing == NiceMixing.Permutation) steps.Add(new PermutationStep($"{root}layers.{i++}"));
            if (k > 0 && config.Mixing == NiceMixing.LU)
            {
                var prefix = $"{root}layers.{i++}";
                steps.Add(new LuStep(prefix));
                parameters.Add(($"{prefix}.lu", new long[] { d, d }));
            }
            steps.Add(Coupling(config, $"{root}layers.{i++}", k, d, parameters));
        }
        string scaling = root + ScalingName;
        parameters.Add((scaling, new long[] { d }));
        return new Member(steps, scaling);
    }

    /// <summary>Coupling <paramref name="k"/> of width <paramref name="d"/> named <paramref name="coupling"/>, its
    /// parameters added in <c>named_parameters()</c> order.</summary>
    private static CouplingStep Coupling(FlowConfig config, string coupling, int k, int d,
        List<(string, long[])> parameters)
    {
        var partition = Partition.For(config.Partition, d, k);
        bool affine = config.Coupling == NiceCoupling.Affine;
        int updated = partition.Second.Length, outputs = affine ? 2 * updated : updated;
        // A layer's own parameters come before its children's in named_parameters().
        if (affine) parameters.Add(($"{coupling}.scale", new long[] { updated }));
        var linears = new List<string>();
        int fanIn = partition.First.Length;
        for (int h = 0; h <= config.HiddenLayers; h++)
        {
            bool output = h == config.HiddenLayers;
            string name = $"{coupling}.m.layers.{(output ? "output" : $"linear{h}")}";
            int outs = output ? outputs : config.HiddenWidth;
            linears.Add(name);
            parameters.Add(($"{name}.weight", new long[] { outs, fanIn }));
            parameters.Add(($"{name}.bias", new long[] { outs }));
            fanIn = config.HiddenWidth;
        }
        return new CouplingStep(coupling, k, partition, linears, affine);
    }

    public FlowConfig Config { get; }

    public int Dimension => Config.Dimension;

    /// <summary>The flows of the model: one, or an ensemble's K members (<see cref="NiceFlow.Members"/>).</summary>
    public IReadOnlyList<Member> Members { get; }

    /// <summary>Every layer below the scaling of every member, bottom first, member after member.</summary>
    public IEnumerable<Step> Steps => Members.SelectMany(m => m.Steps);

    /// <summary>The name of the scaling vector s the model reports (<c>LogScale</c>): member 0's for an
    /// ensemble.</summary>
    public string ScalingParameter => Members[0].Scaling;

    /// <summary>Every trained parameter's name and shape, in <c>named_parameters()</c> order.</summary>
    public IReadOnlyList<(string Name, long[] Shape)> Parameters { get; }

    /// <summary>A kernel mixture's training rows [n, D] (fixed, not trained).</summary>
    public const string CentresName = "centres";

    /// <summary>A kernel mixture's fold of each training row [n] (0…K−1 as floats; fixed).</summary>
    public const string FoldsName = "folds";

    /// <summary>The scaling layer's log-scale vector s (of a single flow; see <see cref="Member.Scaling"/>).</summary>
    public const string ScalingName = "scaling.s";

    /// <summary>κ = 1/√D, the scale of LU mixing's off-diagonal parts (see <see cref="LuMixing"/>).</summary>
    public static double LuOffDiagonalScale(int dimension) => 1.0 / Math.Sqrt(dimension);

    /// <summary>The shape of the parameter <paramref name="name"/>; throws when the flow has none of that
    /// name.</summary>
    public long[] ShapeOf(string name)
    {
        foreach (var (n, shape) in Parameters)
            if (n == name) return shape;
        throw new ArgumentException($"A flow of this config has no parameter '{name}'.", nameof(name));
    }

    /// <summary>The number of values of a parameter of this shape.</summary>
    public static long Count(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);
}
