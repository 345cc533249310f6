using System;
using System.Collections.Generic;
using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nice.MLNet.Onnx;

/// <summary>
/// Writes a <see cref="NiceFlow"/> as ONNX nodes, op for op as TorchSharp computes it: Gather of the two index sets,
/// the coupling MLP as Gemm(transB = 1) + Relu/LeakyRelu(0.01), Add (Sub when inverting), Concat, Gather with the
/// inverse permutation, then Mul by exp(s). Trained weights are initializers named as in <c>flow.named_parameters()</c>.
/// </summary>
internal sealed class FlowGraph
{
    private static readonly float HalfLog2Pi = (float)(0.5 * Math.Log(2 * Math.PI));

    private readonly OnnxModelBuilder b;
    private readonly FlowConfig config;
    private readonly string logScale;
    private readonly List<CouplingNodes> couplings = new();
    private readonly HashSet<string> exported = new(StringComparer.Ordinal);

    private sealed record CouplingNodes(string First, string Second, string Unpermute, IReadOnlyList<(string Weight, string Bias)> Linears);

    /// <summary>Adds every weight of <paramref name="flow"/> (float32) and every index set to <paramref name="builder"/>.</summary>
    public FlowGraph(OnnxModelBuilder builder, NiceFlow flow)
    {
        b = builder;
        config = flow.Config;
        using var scope = NewDisposeScope();
        var parameters = flow.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var moduleNames = flow.named_modules().ToDictionary(m => (object)m.module, m => m.name, ReferenceEqualityComparer.Instance);

        int d = config.Dimension;
        for (int k = 0; k < config.Couplings; k++)
        {
            var coupling = (AdditiveCoupling)flow.Couplings[k];
            string prefix = moduleNames[coupling];
            var partition = Partition.For(config.Partition, d, k);
            string netName = moduleNames[coupling.Net];
            var linears = coupling.Net.named_modules()
                .Where(m => m.module is Linear)
                .Select(m => (Weight: Weight(parameters, $"{netName}.{m.name}.weight"), Bias: Weight(parameters, $"{netName}.{m.name}.bias")))
                .ToList();
            if (linears.Count != config.HiddenLayers + 1)
                throw new InvalidOperationException($"Coupling {k} has {linears.Count} linear layers; its config says {config.HiddenLayers} hidden + 1 output.");
            couplings.Add(new CouplingNodes(
                b.Initializer($"{prefix}.first", partition.First, partition.First.Length),
                b.Initializer($"{prefix}.second", partition.Second, partition.Second.Length),
                b.Initializer($"{prefix}.unpermute", partition.Inverse, partition.Inverse.Length),
                linears));
        }
        logScale = Weight(parameters, $"{moduleNames[flow.Scaling]}.s");
        var unused = parameters.Keys.Except(exported).ToList();
        if (unused.Count > 0) throw new InvalidOperationException($"The ONNX export does not know the parameters {string.Join(", ", unused)}.");
    }

    private string Weight(Dictionary<string, Tensor> parameters, string name)
    {
        if (!parameters.TryGetValue(name, out var p))
            throw new InvalidOperationException($"The flow has no parameter '{name}' (its parameters: {string.Join(", ", parameters.Keys)}).");
        using var t = p.detach().to(ScalarType.Float32, CPU).contiguous();
        exported.Add(name);
        return b.Initializer(name, t.data<float>().ToArray(), p.shape);
    }

    /// <summary>
    /// Raw features [N, D] (or [D]) → latent <paramref name="latent"/> [N, D] (or [D]) and
    /// <paramref name="logLikelihood"/> [N] (or [1]) in nats, the density of the flow-space x.
    /// </summary>
    public void Forward(Dequantization? dq, bool batched, string input, string latent, string logLikelihood)
    {
        int d = config.Dimension;
        b.Input(input, batched ? new long?[] { null, d } : new long?[] { d });
        string x = batched ? input : b.Node("Reshape", input, b.Int64s(1, d));
        if (dq != null) x = ToFlow(x, dq);
        foreach (var c in couplings)
        {
            string x1 = Gather(x, c.First), x2 = Gather(x, c.Second);
            string y2 = b.Node("Add", x2, Mlp(x1, c));
            x = Gather(b.Node("Concat", new[] { x1, y2 }, null, OnnxAttribute.Of("axis", 1)), c.Unpermute);
        }
        string z = b.Node("Mul", new[] { x, b.Node("Exp", logScale) }, batched ? latent : null);
        if (!batched) b.Node("Reshape", new[] { z, b.Int64s(d) }, latent);

        string perDim = config.Prior switch
        {
            // −softplus(h) − softplus(−h) = −|h| − 2·softplus(−|h|): Softplus only ever sees arguments ≤ 0, so never overflows.
            NicePrior.Logistic => LogisticLogDensity(z),
            NicePrior.Gaussian => b.Node("Mul", b.Node("Mul", z, z), b.Scalar(-0.5f)),
            _ => throw new ArgumentOutOfRangeException(nameof(config.Prior), config.Prior, "Unknown prior."),
        };
        string prior = b.Node("ReduceSum", new[] { perDim, b.Int64s(1) }, null, OnnxAttribute.Of("keepdims", 0));
        string logDet = b.Node("ReduceSum", new[] { logScale, b.Int64s(0) }, null, OnnxAttribute.Of("keepdims", 1));
        if (config.Prior == NicePrior.Gaussian) logDet = b.Node("Add", logDet, b.Scalar(-d * HalfLog2Pi));
        b.Node("Add", new[] { prior, logDet }, logLikelihood);

        b.Output(latent, batched ? new long?[] { null, d } : new long?[] { d });
        b.Output(logLikelihood, batched ? new long?[] { null } : new long?[] { 1 });
    }

    /// <summary>Latent [N, D] (or [D]) → features [N, D] (or [D]) on the raw data scale.</summary>
    public void Inverse(Dequantization? dq, bool batched, string input, string features)
    {
        int d = config.Dimension;
        b.Input(input, batched ? new long?[] { null, d } : new long?[] { d });
        string z = batched ? input : b.Node("Reshape", input, b.Int64s(1, d));
        string x = b.Node("Mul", z, b.Node("Exp", b.Node("Neg", logScale)));
        for (int k = couplings.Count - 1; k >= 0; k--)
        {
            var c = couplings[k];
            string y1 = Gather(x, c.First), y2 = Gather(x, c.Second);
            string x2 = b.Node("Sub", y2, Mlp(y1, c));
            x = Gather(b.Node("Concat", new[] { y1, x2 }, null, OnnxAttribute.Of("axis", 1)), c.Unpermute);
        }
        if (dq != null) x = FromFlow(x, dq);
        b.Node(batched ? "Identity" : "Reshape", batched ? new[] { x } : new[] { x, b.Int64s(d) }, features);
        b.Output(features, batched ? new long?[] { null, d } : new long?[] { d });
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
        string k = b.Node("Round", b.Node("Div", b.Node("Sub", v, b.Scalar((float)dq.Offset)), b.Scalar((float)dq.Step)));
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

    private string Gather(string x, string indices) => b.Node("Gather", new[] { x, indices }, null, OnnxAttribute.Of("axis", 1));

    private string Mlp(string h, CouplingNodes c)
    {
        for (int i = 0; i < c.Linears.Count; i++)
        {
            var (w, bias) = c.Linears[i];
            h = b.Node("Gemm", new[] { h, w, bias }, null, OnnxAttribute.Of("transB", 1));
            if (i < c.Linears.Count - 1)
                h = config.Activation == NiceActivation.ReLU
                    ? b.Node("Relu", h)
                    : b.Node("LeakyRelu", new[] { h }, null, OnnxAttribute.Of("alpha", 0.01f));
        }
        return h;
    }
}
