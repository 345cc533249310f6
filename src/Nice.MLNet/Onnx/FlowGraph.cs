using System;
using System.Collections.Generic;
using System.Linq;
using Nice.MLNet.Flow;

namespace Nice.MLNet.Onnx;

/// <summary>
/// Writes a <see cref="NiceFlow"/> as ONNX nodes, op for op as TorchSharp computes it: Gather of the two index sets,
/// the coupling MLP as Gemm(transB = 1) + Relu/LeakyRelu(0.01), Add (Sub when inverting), Concat, Gather with the
/// inverse permutation, then Mul by exp(s). The forward graph keeps its rows in the order of the couplings' index sets
/// (<see cref="GraphLayout"/>), so a coupling there is Slice, Slice, the MLP, Add and Concat, with one Gather into
/// that order and one back to x's order for the latent output. Trained weights are initializers named as in
/// <c>flow.named_parameters()</c>. NICE's successors: an affine coupling adds Slice [â | t], Tanh, Mul by c, Exp and
/// Mul (Sub, Neg, Exp when inverting); a permutation is a Gather; LU mixing builds W = P·L·Ũ from its packed parameter
/// with Trilu, EyeLike and MatMul, then Gemm (transB = 1), and inverts with W⁻¹ computed at export in float64; actnorm
/// is Add, Exp, Mul; the input normalization Mul, Exp, Add. The fixed parts (permutations, LU's P and signs) are
/// initializers named after their buffers ("….perm", "….sign"), so the import reads them back. An ensemble's K members
/// are K such sub-graphs side by side (initializers "members.k.…"); its log-likelihood is their log-mean-exp (Max, Sub,
/// Exp, Sum, Log) and its latent code member 0's. The whitening is Sub, then Gemm (transB = 1) or Mul, with its
/// log-det from the weight's diagonal (EyeLike, Mul, ReduceSum, Log); its μ and W are initializers "whitening.mean" and
/// "whitening.weight"; a full one's inverse is Gemm by W⁻¹ computed at export in float64. The low-rank whitening
/// W = s I + V diag(g) Vᵀ is Gemm by V, Mul by g, Gemm by Vᵀ, plus Mul by s (initializers "whitening.basis",
/// "whitening.gain", "whitening.weight" = [s]), log-det Σ log(s + g) + (D − K) log s; its inverse is the same shape
/// with 1/s and 1/(s + g) − 1/s, computed at export in float64. A kernel mixture's graph forms x − xᵢ for every
/// training row (initializers "centres" and "folds") and runs each kernel's sub-graph on those rows (see
/// <see cref="KernelForward"/>); it has no inverse graph.
/// </summary>
internal sealed class FlowGraph
{
    private static readonly float HalfLog2Pi = (float)(0.5 * Math.Log(2 * Math.PI));

    private readonly OnnxModelBuilder b;
    private readonly FlowConfig config;
    private readonly FlowWeights weights;
    private readonly List<MemberNodes> members = new();

    /// <summary>One layer below the scaling, as the initializers its nodes read.</summary>
    private abstract record Step;

    /// <summary>One flow: its layers below the scaling, and the scaling's log-scale s.</summary>
    private sealed record MemberNodes(List<Step> Steps, string LogScale);

    /// <summary>
    /// An additive (<paramref name="Scale"/> null) or affine coupling; an affine net outputs [â, t],
    /// |I₂| = <paramref name="Updated"/> each. <paramref name="Float64"/>: its inputs and weights are float64 (the
    /// radial step's inner couplings).
    /// </summary>
    private sealed record CouplingNodes(string Prefix, Partition Partition,
        IReadOnlyList<(string Weight, string Bias)> Linears, string? Scale, int Updated, bool Float64 = false) : Step;

    /// <summary>
    /// A fixed permutation: π's initializer, and π itself for the inverse graph, which alone needs π⁻¹.
    /// </summary>
    private sealed record PermutationNodes(string Prefix, string Perm, long[] Pi) : Step;

    /// <summary>
    /// LU mixing: the packed parameter, P as gather indices, the signs (W⁻¹ is added by the inverse graph only).
    /// </summary>
    private sealed record LuNodes(string Prefix, string Packed, string Perm, string Sign, float Kappa) : Step;

    private sealed record ActNormNodes(string Bias, string LogScale) : Step;

    /// <summary>The input normalization y = x ⊙ exp(a) + b.</summary>
    private sealed record InputNormNodes(string LogScale, string Bias) : Step;

    /// <summary>
    /// The fixed whitening y = W(x − μ): μ and W ([D, D] lower triangular, or the diagonal [D]); the inverse graph of
    /// a full one adds W⁻¹ (computed at export in float64). Low-rank (<paramref name="LowRank"/> not null): W's scale
    /// [1] with the basis and gains, and the values the inverse graph needs.
    /// </summary>
    private sealed record WhiteningNodes(string Prefix, string Mean, string Weight, bool Full,
        LowRankNodes? LowRank = null) : Step;

    /// <summary>The radial step: its basis B [D, R] and radius constants [4] (initializers), its inner couplings on
    /// R + 1 numbers and their scaling's log-scale [R + 1].</summary>
    private sealed record RadialNodes(string Basis, string Radius, int Rank, IReadOnlyList<CouplingNodes> Inner,
        string LogScale) : Step;

    /// <summary>The low-rank whitening's basis V [D, K] and gains g [K] (initializers), and 1/s and 1/(s + g) − 1/s
    /// (values, float64 → float32) for the inverse.</summary>
    private sealed record LowRankNodes(string Basis, string Gain, int Rank, float InverseScale, float[] InverseGain);

    /// <summary>
    /// Adds every weight of the flow (float32) and every index set to <paramref name="builder"/>, in the flow's layer
    /// order. <paramref name="weights"/> must stay alive while the graph is built.
    /// </summary>
    public FlowGraph(OnnxModelBuilder builder, FlowWeights weights)
    {
        b = builder;
        this.weights = weights;
        config = weights.Config;
        int d = config.Dimension;
        foreach (var member in weights.Layout.Members)
            members.Add(Member(member, d));
    }

    /// <summary>The initializers of one flow (every member of an ensemble in turn), named as in the whole
    /// flow.</summary>
    private MemberNodes Member(FlowLayout.Member member, int d)
    {
        var steps = new List<Step>();
        foreach (var layer in member.Steps)
        {
            string prefix = layer.Prefix;
            switch (layer)
            {
                case FlowLayout.CouplingStep coupling:
                    steps.Add(Coupling(coupling));
                    break;
                case FlowLayout.RadialStep radial:
                {
                    var (basis, radius) = weights.Radial(prefix);
                    steps.Add(new RadialNodes(b.Initializer($"{prefix}.basis", basis, d, radial.Rank),
                        b.Initializer($"{prefix}.radius", radius, 4), radial.Rank,
                        radial.Inner.Select(Coupling).ToList(), Weight(radial.Scaling)));
                    break;
                }
                case FlowLayout.PermutationStep:
                {
                    var perm = weights.Permutation(prefix);
                    steps.Add(new PermutationNodes(prefix, b.Initializer($"{prefix}.perm", perm, d), perm));
                    break;
                }
                case FlowLayout.LuStep:
                    steps.Add(new LuNodes(
                        prefix,
                        Weight($"{prefix}.lu"),
                        b.Initializer($"{prefix}.perm", weights.Permutation(prefix), d),
                        b.Initializer($"{prefix}.sign", weights.Sign(prefix), d),
                        (float)FlowLayout.LuOffDiagonalScale(d)));
                    break;
                case FlowLayout.InputNormStep:
                    steps.Add(new InputNormNodes(Weight($"{prefix}.logs"), Weight($"{prefix}.bias")));
                    break;
                case FlowLayout.ActNormStep:
                    steps.Add(new ActNormNodes(Weight($"{prefix}.bias"), Weight($"{prefix}.logs")));
                    break;
                case FlowLayout.WhiteningStep whitening:
                {
                    var parts = weights.Whitening(prefix);
                    int k = whitening.Rank;
                    string mean = b.Initializer($"{prefix}.mean", parts.Mean, d);
                    if (k > 0)
                    {
                        double s = parts.Weight[0];
                        var lowRank = new LowRankNodes(b.Initializer($"{prefix}.basis", parts.Basis!, d, k),
                            b.Initializer($"{prefix}.gain", parts.Gain!, k), k, (float)(1 / s),
                            parts.Gain!.Select(g => (float)(1 / (s + g) - 1 / s)).ToArray());
                        steps.Add(new WhiteningNodes(prefix, mean, b.Initializer($"{prefix}.weight", parts.Weight, 1),
                            true, lowRank));
                        break;
                    }
                    steps.Add(new WhiteningNodes(prefix, mean,
                        whitening.Full ? b.Initializer($"{prefix}.weight", parts.Weight, d, d)
                            : b.Initializer($"{prefix}.weight", parts.Weight, d),
                        whitening.Full));
                    break;
                }
                default:
                    throw new InvalidOperationException(
                        $"The ONNX export does not know the layer {layer.GetType().Name}.");
            }
        }
        return new MemberNodes(steps, Weight(member.Scaling));
    }

    /// <summary>A coupling's initializers.</summary>
    private CouplingNodes Coupling(FlowLayout.CouplingStep coupling)
    {
        var linears = coupling.Linears
            .Select(name => (Weight: Weight($"{name}.weight"), Bias: Weight($"{name}.bias")))
            .ToList();
        string? scale = coupling.Affine ? Weight($"{coupling.Prefix}.scale") : null;
        return new CouplingNodes(coupling.Prefix, coupling.Partition, linears, scale, coupling.Partition.Second.Length);
    }

    /// <summary>The parameter <paramref name="name"/> as an initializer of the same name (copied once, by the
    /// builder).</summary>
    private string Weight(string name) => b.Initializer(name, weights.Parameter(name), weights.Layout.ShapeOf(name));

    /// <summary>
    /// Raw features [N, D] (or [D]) → latent <paramref name="latent"/> [N, D] (or [D]) and
    /// <paramref name="logLikelihood"/> [N] (or [1]) in nats, the density of the flow-space x.
    /// </summary>
    public void Forward(Dequantization? dq, bool batched, string input, string latent, string logLikelihood)
    {
        int d = config.Dimension;
        b.Input(input, batched ? new long?[] { null, d } : new long?[] { d });
        string raw = batched ? input : b.Node("Reshape", input, b.Int64s(1, d));
        string x = dq != null ? ToFlow(raw, dq) : raw;
        var outputs = config.KernelRows is int n ? KernelForward(x, n)
            : members.Select(m => MemberForward(m, x)).ToList();
        var (rowNaN, rowNaNs) = NonFiniteRowFlags(raw);
        string z = b.Node("Add", new[] { outputs[0].Z, rowNaNs }, batched ? latent : null);
        if (!batched) b.Node("Reshape", new[] { z, b.Int64s(d) }, latent);
        string ll = outputs.Count == 1 ? outputs[0].LogLikelihood : LogMeanExp(outputs.Select(o => o.LogLikelihood));
        // A finite row whose float32 computation overflowed (∞ − ∞ inside the flow) has a density too small for
        // float32: −∞, never NaN. A row with NaN or ±∞ values gets NaN, as in memory (FlowScorer).
        ll = b.Node("Where", b.Node("IsNaN", ll), b.Scalar(float.NegativeInfinity), ll);
        b.Node("Add", new[] { ll, rowNaN }, logLikelihood);

        b.Output(latent, batched ? new long?[] { null, d } : new long?[] { d });
        b.Output(logLikelihood, batched ? new long?[] { null } : new long?[] { 1 });
    }

    /// <summary>
    /// log((1/K) Σₖ exp(llₖ)) of K log-likelihoods [N]: m + log Σₖ exp(llₖ − m) − log K with m = maxₖ llₖ (elementwise
    /// Max and Sum, which need no axes), so no exp overflows; rows where every llₖ is −∞ give NaN, which the caller
    /// turns into −∞.
    /// </summary>
    private string LogMeanExp(IEnumerable<string> lls)
    {
        var list = lls.ToArray();
        string max = b.Node("Max", list);
        string sum = b.Node("Sum", list.Select(ll => b.Node("Exp", b.Node("Sub", ll, max))).ToArray());
        return b.Node("Add", b.Node("Add", max, b.Node("Log", sum)), b.Scalar((float)-Math.Log(list.Length)));
    }

    /// <summary>
    /// A kernel mixture's K members: u = x − xᵢ for every row and centre (Unsqueeze, Sub, Reshape to [N·n, D]), each
    /// kernel's flow on u, then per kernel log pₖ(x) = log Σᵢ wₖᵢ qₖ(x − xᵢ) [N] with log wₖᵢ = log(1/nₖ) outside
    /// fold k and −∞ inside (Equal, Not, Cast, Log): ArgMax, GatherElements of the maximum, Sub, Exp, ReduceSum, Log,
    /// Add.
    /// The latent is kernel 0's code under its argmax row (GatherElements of the [N, n, D] codes).
    /// </summary>
    private List<(string Z, string LogLikelihood)> KernelForward(string x, int n)
    {
        int d = config.Dimension;
        string centres = Weight(FlowLayout.CentresName), folds = Weight(FlowLayout.FoldsName);
        string u = b.Node("Reshape", b.Node("Sub", b.Node("Unsqueeze", x, b.Int64s(1)), centres), b.Int64s(-1, d));
        var outputs = new List<(string, string)>();
        for (int k = 0; k < members.Count; k++)
        {
            var (z, ll) = MemberForward(members[k], u);
            string used = b.Node("Cast", new[] { b.Node("Not", b.Node("Equal", folds, b.Scalar((float)k))) }, null,
                OnnxAttribute.Of("to", 1L));
            string logWeight = b.Node("Sub", b.Node("Log", used),
                b.Node("Log", b.Node("ReduceSum", new[] { used, b.Int64s(0) }, null,
                    OnnxAttribute.Of("keepdims", 1))));
            string weighted = b.Node("Add", b.Node("Reshape", ll, b.Int64s(-1, n)), logWeight);
            string best = b.Node("ArgMax", new[] { weighted }, null, OnnxAttribute.Of("axis", 1L),
                OnnxAttribute.Of("keepdims", 1L));
            string max = b.Node("GatherElements", new[] { weighted, best }, null, OnnxAttribute.Of("axis", 1L));
            string sum = b.Node("ReduceSum", new[] { b.Node("Exp", b.Node("Sub", weighted, max)), b.Int64s(1) }, null,
                OnnxAttribute.Of("keepdims", 0));
            string lse = b.Node("Add", b.Node("Reshape", max, b.Int64s(-1)), b.Node("Log", sum));
            string code = z;
            if (k == 0)
            {
                string codes = b.Node("Reshape", z, b.Int64s(-1, n, d));
                string at = b.Node("Expand", b.Node("Unsqueeze", best, b.Int64s(2)), b.Int64s(1, 1, d));
                code = b.Node("Reshape", b.Node("GatherElements", new[] { codes, at }, null,
                    OnnxAttribute.Of("axis", 1L)), b.Int64s(-1, d));
            }
            outputs.Add((code, lse));
        }
        return outputs;
    }

    /// <summary>One flow's latent h = f(x) [N, D] and log p(x) [N] from flow-space rows <paramref name="x"/>.</summary>
    private (string Z, string LogLikelihood) MemberForward(MemberNodes member, string x)
    {
        int d = config.Dimension;
        var logDets = new List<string>();
        var layout = new GraphLayout(b, d);
        foreach (var step in member.Steps) x = StepForward(step, x, logDets, layout);
        // z in the layout's order for the prior (a sum over dimensions), in x's order for the latent output.
        string zLaid = b.Node("Mul", x, b.Node("Exp", layout.Vector(member.LogScale)));
        string perDim = config.Prior switch
        {
            // −softplus(h) − softplus(−h) = −|h| − 2·softplus(−|h|): Softplus only ever sees arguments ≤ 0, so never
            // overflows.
            NicePrior.Logistic => LogisticLogDensity(zLaid),
            NicePrior.Gaussian => b.Node("Mul", b.Node("Mul", zLaid, zLaid), b.Scalar(-0.5f)),
            _ => throw new ArgumentOutOfRangeException(nameof(config.Prior), config.Prior, "Unknown prior."),
        };
        string prior = b.Node("ReduceSum", new[] { perDim, b.Int64s(1) }, null, OnnxAttribute.Of("keepdims", 0));
        string logDet = b.Node("ReduceSum", new[] { member.LogScale, b.Int64s(0) }, null,
            OnnxAttribute.Of("keepdims", 1));
        foreach (var part in logDets) logDet = b.Node("Add", logDet, part);
        if (config.Prior == NicePrior.Gaussian) logDet = b.Node("Add", logDet, b.Scalar(-d * HalfLog2Pi));
        return (layout.ToInput(zLaid), b.Node("Add", prior, logDet));
    }

    /// <summary>
    /// Per row of <paramref name="raw"/> [N, D]: 0 when every value is finite, NaN otherwise (Σⱼ xⱼ·0 is NaN exactly
    /// when some xⱼ is NaN or ±∞), as [N] and as [N, 1]; adding it gives such rows NaN outputs.
    /// </summary>
    private (string Row, string Column) NonFiniteRowFlags(string raw)
    {
        string zeroed = b.Node("Mul", raw, b.Scalar(0f));
        string axis = b.Int64s(1);
        return (b.Node("ReduceSum", new[] { zeroed, axis }, null, OnnxAttribute.Of("keepdims", 0)),
            b.Node("ReduceSum", new[] { zeroed, axis }, null, OnnxAttribute.Of("keepdims", 1)));
    }

    /// <summary>Latent [N, D] (or [D]) → features [N, D] (or [D]) on the raw data scale.</summary>
    public void Inverse(Dequantization? dq, bool batched, string input, string features)
    {
        int d = config.Dimension;
        b.Input(input, batched ? new long?[] { null, d } : new long?[] { d });
        string z = batched ? input : b.Node("Reshape", input, b.Int64s(1, d));
        // An ensemble's latent code is member 0's (NiceFlow.Encode), so its inverse is member 0's too.
        if (config.IsKernelMixture) throw KernelMixture.NoInverse();
        var member = members[0];
        string x = b.Node("Mul", z, b.Node("Exp", b.Node("Neg", member.LogScale)));
        for (int k = member.Steps.Count - 1; k >= 0; k--) x = StepInverse(member.Steps[k], x);
        if (dq != null) x = FromFlow(x, dq);
        b.Node(batched ? "Identity" : "Reshape", batched ? new[] { x } : new[] { x, b.Int64s(d) }, features);
        b.Output(features, batched ? new long?[] { null, d } : new long?[] { d });
    }

    /// <summary>
    /// One layer's forward nodes on <paramref name="x"/> in <paramref name="layout"/>'s column order; its log|det J|
    /// (shape [N] or [1]) goes to <paramref name="logDets"/> unless it is 0.
    /// </summary>
    private string StepForward(Step step, string x, List<string> logDets, GraphLayout layout)
    {
        switch (step)
        {
            case CouplingNodes { Scale: null } c:
            {
                var (x1, x2, merge) = layout.Split(x, c.Partition.First, c.Partition.Second);
                return merge(x1, b.Node("Add", x2, Mlp(x1, c)));
            }
            case CouplingNodes c:
            {
                // y₂ = x₂ ⊙ exp(a) + t, a = c ⊙ tanh(â); log|det| = Σ a.
                var (x1, x2, merge) = layout.Split(x, c.Partition.First, c.Partition.Second);
                var (a, t) = ScaleAndShift(x1, c);
                string y2 = b.Node("Add", b.Node("Mul", x2, b.Node("Exp", a)), t);
                logDets.Add(b.Node("ReduceSum", new[] { a, b.Int64s(1) }, null, OnnxAttribute.Of("keepdims", 0)));
                return merge(x1, y2);
            }
            case PermutationNodes p:
                return layout.Permute(x, p.Perm);
            case LuNodes lu:
            {
                // W = P·L·Ũ, L = κ·tril(lu, −1) + I, Ũ = κ·triu(lu, 1) + diag(sign ⊙ exp(diag(lu))); y = x Wᵀ;
                // log|det| = Σ diag(lu).
                string eye = b.Node("EyeLike", lu.Packed);
                string logS = b.Node("ReduceSum", new[] { b.Node("Mul", lu.Packed, eye), b.Int64s(1) }, null,
                    OnnxAttribute.Of("keepdims", 0));
                string kappa = b.Scalar(lu.Kappa);
                string lower = b.Node("Trilu", new[] { lu.Packed, b.Int64s(-1) }, null, OnnxAttribute.Of("upper", 0));
                string l = b.Node("Add", b.Node("Mul", lower, kappa), eye);
                string upper = b.Node("Trilu", new[] { lu.Packed, b.Int64s(1) }, null, OnnxAttribute.Of("upper", 1));
                string u = b.Node("Add", b.Node("Mul", upper, kappa),
                    b.Node("Mul", eye, b.Node("Mul", lu.Sign, b.Node("Exp", logS))));
                string w = b.Node("Gather", new[] { b.Node("MatMul", l, u), lu.Perm }, null,
                    OnnxAttribute.Of("axis", 0));
                logDets.Add(b.Node("ReduceSum", new[] { logS, b.Int64s(0) }, null, OnnxAttribute.Of("keepdims", 1)));
                return b.Node("Gemm", new[] { x, layout.Matrix(w) }, null, OnnxAttribute.Of("transB", 1));
            }
            case InputNormNodes n:
                logDets.Add(b.Node("ReduceSum", new[] { n.LogScale, b.Int64s(0) }, null,
                    OnnxAttribute.Of("keepdims", 1)));
                return b.Node("Add", b.Node("Mul", x, b.Node("Exp", layout.Vector(n.LogScale))),
                    layout.Vector(n.Bias));
            case ActNormNodes n:
                logDets.Add(b.Node("ReduceSum", new[] { n.LogScale, b.Int64s(0) }, null,
                    OnnxAttribute.Of("keepdims", 1)));
                return b.Node("Mul", b.Node("Add", x, layout.Vector(n.Bias)),
                    b.Node("Exp", layout.Vector(n.LogScale)));
            case RadialNodes r:
                return RadialForward(r, x, logDets, layout);
            case WhiteningNodes { LowRank: { } r } w:
            {
                // y = s (x − μ) + ((x − μ) V ⊙ g) Vᵀ, log|det| = Σ log(s + gᵢ) + (D − K) log s. V's rows follow x's
                // columns, so they are reordered like a per-dimension vector.
                string centred = b.Node("Sub", x, layout.Vector(w.Mean));
                logDets.Add(b.Node("Add",
                    b.Node("ReduceSum", new[] { b.Node("Log", b.Node("Add", w.Weight, r.Gain)), b.Int64s(0) }, null,
                        OnnxAttribute.Of("keepdims", 1)),
                    b.Node("Mul", b.Node("Log", w.Weight), b.Scalar(config.Dimension - r.Rank))));
                return b.Node("Add", b.Node("Mul", centred, w.Weight), LowRankProduct(centred, layout.Vector(r.Basis),
                    r.Gain));
            }
            case WhiteningNodes w:
            {
                // y = (x − μ) Wᵀ, log|det| = Σ log Wᵢᵢ (W lower triangular); diagonal: y = (x − μ) ⊙ w, Σ log wᵢ.
                string centred = b.Node("Sub", x, layout.Vector(w.Mean));
                string diagonal = w.Full
                    ? b.Node("ReduceSum", new[] { b.Node("Mul", w.Weight, b.Node("EyeLike", w.Weight)), b.Int64s(1) },
                        null, OnnxAttribute.Of("keepdims", 0))
                    : w.Weight;
                logDets.Add(b.Node("ReduceSum", new[] { b.Node("Log", diagonal), b.Int64s(0) }, null,
                    OnnxAttribute.Of("keepdims", 1)));
                return w.Full
                    ? b.Node("Gemm", new[] { centred, layout.Matrix(w.Weight) }, null, OnnxAttribute.Of("transB", 1))
                    : b.Node("Mul", centred, layout.Vector(w.Weight));
            }
            default:
                throw new InvalidOperationException($"Unknown step {step}.");
        }
    }

    /// <summary>One layer's inverse nodes.</summary>
    private string StepInverse(Step step, string y)
    {
        switch (step)
        {
            case CouplingNodes { Scale: null } c:
            {
                var (first, second, unpermute) = IndexSets(c);
                string y1 = Gather(y, first), y2 = Gather(y, second);
                string x2 = b.Node("Sub", y2, Mlp(y1, c));
                return Gather(b.Node("Concat", new[] { y1, x2 }, null, OnnxAttribute.Of("axis", 1)), unpermute);
            }
            case CouplingNodes c:
            {
                // x₂ = (y₂ − t) ⊙ exp(−a).
                var (first, second, unpermute) = IndexSets(c);
                string y1 = Gather(y, first), y2 = Gather(y, second);
                var (a, t) = ScaleAndShift(y1, c);
                string x2 = b.Node("Mul", b.Node("Sub", y2, t), b.Node("Exp", b.Node("Neg", a)));
                return Gather(b.Node("Concat", new[] { y1, x2 }, null, OnnxAttribute.Of("axis", 1)), unpermute);
            }
            case PermutationNodes p:
                return Gather(y, b.Initializer($"{p.Prefix}.inverse", Permutations.Invert(p.Pi), config.Dimension));
            case LuNodes lu:
            {
                int d = config.Dimension;
                string inverse = b.Initializer($"{lu.Prefix}.inverse_weight", weights.LuInverse(lu.Prefix), d, d);
                return b.Node("Gemm", new[] { y, inverse }, null, OnnxAttribute.Of("transB", 1));
            }
            case InputNormNodes n:
                return b.Node("Mul", b.Node("Sub", y, n.Bias), b.Node("Exp", b.Node("Neg", n.LogScale)));
            case ActNormNodes n:
                return b.Node("Sub", b.Node("Mul", y, b.Node("Exp", b.Node("Neg", n.LogScale))), n.Bias);
            case RadialNodes r:
                return RadialInverse(r, y);
            case WhiteningNodes { LowRank: { } r } w:
            {
                // x = y / s + (y V ⊙ (1/(s + g) − 1/s)) Vᵀ + μ.
                string scaled = b.Node("Mul", y, b.Initializer($"{w.Prefix}.inverse_weight",
                    new[] { r.InverseScale }, 1));
                string gain = b.Initializer($"{w.Prefix}.inverse_gain", r.InverseGain, r.Rank);
                return b.Node("Add", b.Node("Add", scaled, LowRankProduct(y, r.Basis, gain)), w.Mean);
            }
            case WhiteningNodes w:
            {
                // x = y W⁻ᵀ + μ; diagonal: x = y / w + μ.
                int d = config.Dimension;
                string centred = w.Full
                    ? b.Node("Gemm", new[] { y, b.Initializer($"{w.Prefix}.inverse_weight",
                        weights.WhiteningInverse(w.Prefix), d, d) }, null, OnnxAttribute.Of("transB", 1))
                    : b.Node("Div", y, w.Weight);
                return b.Node("Add", centred, w.Mean);
            }
            default:
                throw new InvalidOperationException($"Unknown step {step}.");
        }
    }

    /// <summary>
    /// The radial step (<see cref="Flow.RadialStep"/>): z = uB, r = u − zBᵀ, t = ½ log‖r‖²; the inner couplings and
    /// scaling on (z, (t − c)/σₜ); t' = c_χ + σ_χ τ'; u' = z'Bᵀ + r·exp(t' − t); log|det| adds the inner scaling's
    /// Σ s, log σ_χ − log σₜ and m(t' − t). B's rows follow u's columns (reordered like a per-dimension vector).
    /// From t to exp(t' − t) the nodes run in float64 (the inner couplings' weights cast once): m(t' − t) multiplies
    /// every rounding of t or t' by the residual's m dimensions (6,400 on the grid features), and exp(t' − t) scales
    /// all m residual values at once, so in float32 a one-ulp difference between ONNX Runtime's kernels on a batch and
    /// on one row moved a test image's score by 3.9·10⁻³ nats. In float64 both give the same float32 result.
    /// </summary>
    private string RadialForward(RadialNodes r, string u, List<string> logDets, GraphLayout layout)
    {
        string basis = layout.Vector(r.Basis);
        var (z, residual, t) = RadialSplit(u, basis, wide: true);
        var (c, sd, chiMean, chiSd) = RadiusConstants(r, wide: true);
        string v = b.Node("Concat", new[] { b.Cast(z, wide: true), b.Node("Div", b.Node("Sub", t, c), sd) }, null,
            OnnxAttribute.Of("axis", 1));
        var inner = new GraphLayout(b, r.Rank + 1);
        foreach (var coupling in r.Inner) v = StepForward(Wide(coupling), v, logDets, inner);
        v = inner.ToInput(b.Node("Mul", v, b.Node("Exp", b.Cast(inner.Vector(r.LogScale), wide: true))));
        logDets.Add(b.Node("ReduceSum", new[] { r.LogScale, b.Int64s(0) }, null, OnnxAttribute.Of("keepdims", 1)));
        string axis = b.Int64s(1);
        string zNew = b.Cast(b.Node("Slice", v, b.Int64s(0), b.Int64s(r.Rank), axis), wide: false);
        string tNew = b.Node("Add", b.Node("Mul", b.Node("Slice", v, b.Int64s(r.Rank), b.Int64s(r.Rank + 1), axis),
            chiSd), chiMean);
        string delta = b.Node("Sub", tNew, t);
        var (_, sd32, _, chiSd32) = RadiusConstants(r, wide: false);
        logDets.Add(b.Node("Sub", b.Node("Log", chiSd32), b.Node("Log", sd32)));
        logDets.Add(b.Cast(b.Node("ReduceSum", new[] { b.Node("Mul", delta, b.Float64Scalar(config.Dimension - r.Rank)),
            b.Int64s(1) }, null, OnnxAttribute.Of("keepdims", 0)), wide: false));
        return b.Node("Add", b.Node("Gemm", new[] { zNew, basis }, null, OnnxAttribute.Of("transB", 1)),
            b.Node("Mul", residual, b.Cast(b.Node("Exp", delta), wide: false)));
    }

    /// <summary>An inner coupling of the radial step with its weights cast to float64 (folded once by ONNX
    /// Runtime).</summary>
    private CouplingNodes Wide(CouplingNodes c)
        => c with
        {
            Linears = c.Linears.Select(l => (b.Cast(l.Weight, wide: true), b.Cast(l.Bias, wide: true))).ToList(),
            Float64 = true,
        };

    /// <summary>The radial step's inverse: the same split of y, the inner layers undone, the old length back.</summary>
    private string RadialInverse(RadialNodes r, string y)
    {
        var (z, residual, t) = RadialSplit(y, r.Basis);
        var (c, sd, chiMean, chiSd) = RadiusConstants(r);
        string v = b.Node("Concat", new[] { z, b.Node("Div", b.Node("Sub", t, chiMean), chiSd) }, null,
            OnnxAttribute.Of("axis", 1));
        v = b.Node("Mul", v, b.Node("Exp", b.Node("Neg", r.LogScale)));
        for (int k = r.Inner.Count - 1; k >= 0; k--) v = StepInverse(r.Inner[k], v);
        string axis = b.Int64s(1);
        string zOld = b.Node("Slice", v, b.Int64s(0), b.Int64s(r.Rank), axis);
        string tOld = b.Node("Add", b.Node("Mul", b.Node("Slice", v, b.Int64s(r.Rank), b.Int64s(r.Rank + 1), axis),
            sd), c);
        return b.Node("Add", b.Node("Gemm", new[] { zOld, r.Basis }, null, OnnxAttribute.Of("transB", 1)),
            b.Node("Mul", residual, b.Node("Exp", b.Node("Sub", tOld, t))));
    }

    /// <summary>z = uB [N, R], the residual u − zBᵀ [N, D] and t = ½ log‖residual‖² [N, 1].</summary>
    private (string Z, string Residual, string T) RadialSplit(string u, string basis, bool wide = false)
    {
        string z = b.Node("Gemm", new[] { u, basis });
        string residual = b.Node("Sub", u, b.Node("Gemm", new[] { z, basis }, null, OnnxAttribute.Of("transB", 1)));
        string squared = b.Node("ReduceSum", new[] { b.Node("Mul", residual, residual), b.Int64s(1) }, null,
            OnnxAttribute.Of("keepdims", 1));
        string t = wide
            ? b.Node("Mul", b.Node("Log", b.Cast(squared, wide: true)), b.Float64Scalar(0.5))
            : b.Node("Mul", b.Node("Log", squared), b.Scalar(0.5f));
        return (z, residual, t);
    }

    /// <summary>c, σₜ, c_χ, σ_χ as [1] slices of the radius initializer.</summary>
    private (string C, string Sd, string ChiMean, string ChiSd) RadiusConstants(RadialNodes r, bool wide = false)
    {
        string Part(int i)
        {
            string part = b.Node("Slice", r.Radius, b.Int64s(i), b.Int64s(i + 1), b.Int64s(0));
            return wide ? b.Cast(part, wide: true) : part;
        }
        return (Part(0), Part(1), Part(2), Part(3));
    }

    /// <summary>(t V ⊙ g) Vᵀ for rows t [N, D], a basis V [D, K] and gains g [K]: two Gemms and a Mul.</summary>
    private string LowRankProduct(string t, string basis, string gain)
        => b.Node("Gemm", new[] { b.Node("Mul", b.Node("Gemm", new[] { t, basis }), gain), basis }, null,
            OnnxAttribute.Of("transB", 1));

    /// <summary>A coupling's index sets I₁, I₂ and the inverse permutation of I₁ ++ I₂ as initializers named after the
    /// coupling (the inverse graph's; the forward graph slices instead, see <see cref="GraphLayout"/>).</summary>
    private (string First, string Second, string Unpermute) IndexSets(CouplingNodes c)
    {
        var p = c.Partition;
        return (b.Initializer($"{c.Prefix}.first", p.First, p.First.Length),
            b.Initializer($"{c.Prefix}.second", p.Second, p.Second.Length),
            b.Initializer($"{c.Prefix}.unpermute", p.Inverse, p.Inverse.Length));
    }

    /// <summary>An affine coupling's a = c ⊙ tanh(â) and t from the net's output [â, t].</summary>
    private (string A, string T) ScaleAndShift(string x1, CouplingNodes c)
    {
        string h = Mlp(x1, c);
        string axis = b.Int64s(1);
        string aHat = b.Node("Slice", h, b.Int64s(0), b.Int64s(c.Updated), axis);
        string t = b.Node("Slice", h, b.Int64s(c.Updated), b.Int64s(2L * c.Updated), axis);
        return (b.Node("Mul", c.Scale!, b.Node("Tanh", aHat)), t);
    }

    private string LogisticLogDensity(string z)
    {
        string negAbs = b.Node("Neg", b.Node("Abs", z));
        string softplus = b.Node("Softplus", negAbs);
        return b.Node("Sub", negAbs, b.Node("Add", softplus, softplus));
    }

    /// <summary>Dequantization.ToFlow(v, noise: false): (clamp(round((v − offset)/step), 0, L − 1) + ½) / L.</summary>
    private string ToFlow(string v, Dequantization dq)
    {
        string shifted = b.Node("Sub", v, b.Scalar((float)dq.Offset));
        string k = b.Node("Round", b.Node("Div", shifted, b.Scalar((float)dq.Step)));
        k = b.Node("Clip", k, b.Scalar(0f), b.Scalar(dq.Levels - 1));
        return b.Node("Div", b.Node("Add", k, b.Scalar(0.5f)), b.Scalar(dq.Levels));
    }

    /// <summary>Dequantization.FromFlow(x): clamp(x·L − ½, 0, L − 1)·step + offset.</summary>
    private string FromFlow(string x, Dequantization dq)
    {
        string k = b.Node("Sub", b.Node("Mul", x, b.Scalar(dq.Levels)), b.Scalar(0.5f));
        k = b.Node("Clip", k, b.Scalar(0f), b.Scalar(dq.Levels - 1));
        return b.Node("Add", b.Node("Mul", k, b.Scalar((float)dq.Step)), b.Scalar((float)dq.Offset));
    }

    private string Gather(string x, string indices)
        => b.Node("Gather", new[] { x, indices }, null, OnnxAttribute.Of("axis", 1));

    private string Mlp(string h, CouplingNodes c)
    {
        for (int i = 0; i < c.Linears.Count; i++)
        {
            var (w, bias) = c.Linears[i];
            h = b.Node("Gemm", new[] { h, w, bias }, null, OnnxAttribute.Of("transB", 1));
            if (i < c.Linears.Count - 1)
                h = config.Activation == NiceActivation.ReLU ? b.Node("Relu", h)
                    // ONNX Runtime's LeakyRelu is float32 only: max(h, αh) in float64.
                    : c.Float64 ? b.Node("Max", h, b.Node("Mul", h, b.Float64Scalar(0.01f)))
                    : b.Node("LeakyRelu", new[] { h }, null, OnnxAttribute.Of("alpha", 0.01f));
        }
        return h;
    }
}
