using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// The NICE model of Dinh, Krueger &amp; Bengio (arXiv:1410.8516): h = f(x) = S ∘ c_K ∘ … ∘ c₁(x), with additive
/// couplings cₖ on alternating partitions and a diagonal scaling S = exp(s) on top, and the exact log-likelihood log
/// p(x) = Σᵢ log p_H(fᵢ(x)) + Σᵢ sᵢ. Knows nothing of ML.NET. Optionally (<see cref="FlowConfig"/>) with NICE's
/// successors: RealNVP's affine couplings, a fixed permutation or Glow's learned LU mixing between couplings, and
/// Glow's actnorm before each coupling; log p(x) then adds their log-determinants. With
/// <see cref="FlowConfig.Members"/> = K it is an ensemble of K such flows (<see cref="Members"/>), whose density is
/// their mixture's, (1/K) Σₖ pₖ(x) — one model for everything outside the engine. With
/// <see cref="FlowConfig.KernelRows"/> = n it is a kernel mixture (<see cref="KernelMixture"/>): it also holds its n
/// training rows xᵢ and their folds, and member k is a kernel qₖ placed on the rows outside fold k.
/// </summary>
internal sealed class NiceFlow : nn.Module
{
    private readonly ModuleList<FlowLayer> layers;
    private readonly DiagonalScaling? scaling;
    private readonly ModuleList<NiceFlow>? members;
    private readonly Whitening? whitening;
    private readonly Parameter? centres;
    private readonly Parameter? folds;

    public NiceFlow(FlowConfig config) : base(nameof(NiceFlow))
    {
        config.Validate();
        Config = config;
        layers = new ModuleList<FlowLayer>();
        if (config.IsEnsemble)
        {
            // K flows of the same architecture, initialized one after the other from the global generator.
            members = new ModuleList<NiceFlow>();
            for (int k = 0; k < config.Members!.Value; k++)
                members.Add(new NiceFlow(config with { Members = null, KernelRows = null }));
            if (config.KernelRows is int n)
            {
                // Fixed values, not trained: parameters without gradients, so they are saved and copied with the rest.
                centres = new Parameter(zeros(n, config.Dimension), requires_grad: false);
                folds = new Parameter(zeros(n), requires_grad: false);
            }
            RegisterComponents();
            return;
        }
        int d = config.Dimension;
        // The whitening is its own module ("whitening.mean", "whitening.weight"), so the couplings keep their names.
        if (config.Whitening != NiceWhitening.None)
            whitening = new Whitening(d, config.Whitening, config.WhiteningRank ?? 0);
        if (config.InputNorm) layers.Add(new InputNorm(d));
        // A radial flow's couplings act inside its radial step, on the whitening's leading coordinates and the
        // residual's log-length.
        if (config.Radial)
            layers.Add(new RadialStep(d, config.WhiteningRank!.Value, config.Couplings, config.HiddenLayers,
                config.HiddenWidth, config.Activation));
        for (int k = 0; k < (config.Radial ? 0 : config.Couplings); k++)
        {
            // Glow's step order: actnorm, then the mixing (between couplings only), then the coupling. The plain NICE
            // config
            // adds couplings only, so its layers (and parameter names "layers.k.…") are exactly the paper's model.
            if (config.ActNorm) layers.Add(new ActNorm(d));
            if (k > 0 && config.Mixing == NiceMixing.Permutation) layers.Add(new PermutationMixing(d,
                PermutationSeed(k)));
            if (k > 0 && config.Mixing == NiceMixing.LU) layers.Add(new LuMixing(d, PermutationSeed(k)));
            var partition = Partition.For(config.Partition, d, k);
            layers.Add(config.Coupling == NiceCoupling.Affine
                ? new AffineCoupling(partition, config.HiddenLayers, config.HiddenWidth, config.Activation)
                : new AdditiveCoupling(partition, config.HiddenLayers, config.HiddenWidth, config.Activation));
        }
        scaling = new DiagonalScaling(config.Dimension);
        // A radial flow's scaling stays at the prior's scale (not trained), so the residual keeps the whitening's
        // isotropy.
        if (config.Radial) scaling.LogScale.requires_grad_(false);
        RegisterComponents();
    }

    public FlowConfig Config { get; }

    /// <summary>True once the flow has been data-initialized or trained: a further Train call continues from its
    /// weights instead of re-initializing them.</summary>
    public bool HasStarted { get; set; }

    public int Dimension => Config.Dimension;

    /// <summary>True for a cross-fitted ensemble of <see cref="FlowConfig.Members"/> flows (see
    /// <see cref="Members"/>).</summary>
    public bool IsEnsemble => members != null;

    /// <summary>True for a kernel mixture (<see cref="FlowConfig.KernelRows"/>).</summary>
    public bool IsKernelMixture => centres is not null;

    /// <summary>A kernel mixture's training rows [n, D] (null otherwise).</summary>
    public Parameter? Centres => centres;

    /// <summary>A kernel mixture's fold of each training row [n], 0…K−1 as floats (null otherwise).</summary>
    public Parameter? Folds => folds;

    /// <summary>The flows whose densities this one averages: the K members of an ensemble, or this flow
    /// alone.</summary>
    public IReadOnlyList<NiceFlow> Members => members != null ? members.ToList() : new[] { this };

    /// <summary>The coupling layers, bottom (nearest the data) first (a single flow's; see
    /// <see cref="Members"/>).</summary>
    public IReadOnlyList<FlowLayer> Couplings => Single().layers
        .SelectMany(l => l is RadialStep radial ? radial.InnerLayers : new[] { l })
        .Where(l => l is ICoupling).ToList();

    /// <summary>The radial step (<see cref="FlowConfig.Radial"/>), or null.</summary>
    public RadialStep? Radial => Single().layers.OfType<RadialStep>().SingleOrDefault();

    /// <summary>Every layer below the scaling (the whitening, input normalization, actnorms, mixings, couplings),
    /// bottom first (a single flow's).</summary>
    public IReadOnlyList<FlowLayer> Steps
        => Single().whitening is { } w ? layers.Prepend<FlowLayer>(w).ToList() : layers.ToList();

    /// <summary>Every member's <see cref="Steps"/>, member after member (this flow's own when it is a single
    /// one).</summary>
    public IEnumerable<FlowLayer> AllSteps => Members.SelectMany(m => m.Steps);

    /// <summary>The fixed first layer, or null when the config has none (an ensemble has none).</summary>
    public Whitening? Whitening => whitening;

    /// <summary>The seed of the fixed permutation (or LU mixing's P) before coupling <paramref name="k"/> (k ≥
    /// 1).</summary>
    public static ulong PermutationSeed(int k) => 0x4E494345UL + (ulong)k;

    /// <summary>The scaling layer on top (a single flow's).</summary>
    public DiagonalScaling Scaling => Single().scaling!;

    /// <summary>Every layer, bottom first, the scaling layer last (a single flow's).</summary>
    public IEnumerable<FlowLayer> Layers => Steps.Append<FlowLayer>(scaling!);

    /// <summary>This flow when it is a single one; an ensemble has no single layer stack.</summary>
    private NiceFlow Single()
        => members is null ? this : throw new InvalidOperationException(
            "An ensemble of flows has no single layer stack: use its Members.");

    /// <summary>h = f(x) and log|det J_f(x)| per row (a single flow; an ensemble has no single map).</summary>
    public (Tensor Z, Tensor LogDet) Forward(Tensor x)
    {
        Single();
        CheckShape(x);
        var logDet = zeros(x.shape[0], dtype: x.dtype, device: x.device);
        var h = x;
        foreach (var layer in Layers)
        {
            var (y, ld) = layer.Forward(h);
            h = y;
            logDet = logDet + ld;
        }
        return (h, logDet);
    }

    /// <summary>x = f⁻¹(h) (of member 0 for an ensemble, whose <see cref="Encode"/> latent is member 0's).</summary>
    public Tensor Inverse(Tensor z)
    {
        if (centres is not null) throw KernelMixture.NoInverse();
        if (members != null) return members[0].Inverse(z);
        CheckShape(z);
        var x = z;
        foreach (var layer in Layers.Reverse()) x = layer.Inverse(x);
        return x;
    }

    /// <summary>
    /// h = f(x) and log p(x) = Σᵢ log p_H(hᵢ) + log|det J_f(x)| per row, in nats. For an ensemble of K flows, the
    /// density of their mixture, log p(x) = log((1/K) Σₖ pₖ(x)) (log-mean-exp), and member 0's latent code.
    /// </summary>
    public (Tensor Z, Tensor LogLikelihood) Encode(Tensor x)
    {
        if (centres is not null) return KernelMixture.Encode(this, x, null);
        if (members != null)
        {
            var encoded = members.Select(m => m.Encode(x)).ToList();
            var lls = stack(encoded.Select(e => e.LogLikelihood).ToArray(), 1);
            return (encoded[0].Z, lls.logsumexp(1) - Math.Log(encoded.Count));
        }
        var (z, logDet) = Forward(x);
        return (z, Prior.LogProb(Config.Prior, z) + logDet);
    }

    /// <summary>log p(x) per row, in nats.</summary>
    public Tensor LogLikelihood(Tensor x) => Encode(x).LogLikelihood;

    /// <summary>
    /// Member <paramref name="member"/>'s latent code and log-likelihood alone: for an ensemble, that flow's; for a
    /// kernel mixture, its kernel on the rows outside its fold (what scores the rows of its fold out of fold).
    /// </summary>
    public (Tensor Z, Tensor LogLikelihood) EncodeMember(Tensor x, int member)
        => centres is not null ? KernelMixture.Encode(this, x, member) : Members[member].Encode(x);

    /// <summary>x = f⁻¹(h) for n draws h ~ p_H with each coordinate's standard deviation scaled by
    /// <paramref name="temperature"/>.</summary>
    public Tensor Sample(long n, double temperature = 1.0, Generator? generator = null)
    {
        if (centres is not null) return KernelMixture.Sample(this, n, temperature, generator);
        if (members != null) return SampleMixture(n, temperature, generator);
        using var scope = NewDisposeScope();
        var h = Prior.Sample(Config.Prior, n, Dimension, temperature, generator).to(Device);
        return Inverse(h).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Exact draws from an ensemble's mixture: each draw picks a member uniformly (from
    /// <paramref name="generator"/>), then samples from it.
    /// </summary>
    private Tensor SampleMixture(long n, double temperature, Generator? generator)
    {
        using var scope = NewDisposeScope();
        int k = members!.Count;
        var pick = randint(k, new[] { n }, generator: generator).cpu().data<long>().ToArray();
        var x = zeros(new[] { n, (long)Dimension }, device: Device);
        for (int m = 0; m < k; m++)
        {
            var rows = Enumerable.Range(0, (int)n).Where(i => pick[i] == m).Select(i => (long)i).ToArray();
            if (rows.Length == 0) continue;
            x.index_copy_(0, tensor(rows, device: Device), members[m].Sample(rows.Length, temperature, generator));
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The device holding the parameters.</summary>
    public Device Device => members != null ? members[0].Device : scaling!.LogScale.device;

    /// <summary>
    /// A copy of this flow with every floating-point parameter and buffer in <paramref name="dtype"/> (e.g. float64 to
    /// score rows whose values overflow float32), on the same device, in eval mode. The caller owns it.
    /// </summary>
    public NiceFlow CopyAs(ScalarType dtype)
    {
        var copy = new NiceFlow(Config) { HasStarted = HasStarted };
        try
        {
            using (NewDisposeScope())
            using (no_grad())
            {
                var source = named_parameters().ToDictionary(p => p.name, p => p.parameter);
                foreach (var (name, p) in copy.named_parameters()) p.copy_(source[name]);
                foreach (var (mine, theirs) in AllSteps.Zip(copy.AllSteps))
                {
                    if (mine is PermutationMixing pm) ((PermutationMixing)theirs).SetPermutation(pm.Permutation);
                    if (mine is LuMixing lu)
                        ((LuMixing)theirs).SetFixed(lu.Permutation,
                            lu.Sign.to(ScalarType.Float32).cpu().data<float>().ToArray());
                    if (mine is Whitening w) ((Whitening)theirs).CopyFrom(w);
                    if (mine is RadialStep r) ((RadialStep)theirs).CopyFrom(r);
                }
            }
            // Outside any dispose scope: to() replaces the module's tensors, and the new ones must outlive this call.
            copy.to(Device).to(dtype);
            copy.eval();
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    private void CheckShape(Tensor x)
    {
        if (x.dim() != 2 || x.shape[1] != Dimension)
            throw new ArgumentException($"Expected a tensor of shape [N, {Dimension}], got " +
                $"[{string.Join(", ", x.shape)}].", nameof(x));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var l in layers) l.Dispose();
            scaling?.Dispose();
            whitening?.Dispose();
            centres?.Dispose();
            folds?.Dispose();
            if (members != null)
                foreach (var m in members) m.Dispose();
        }
        base.Dispose(disposing);
    }
}
