using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Nice.MLNet.Flow;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Onnx;

/// <summary>
/// The weights of a live <see cref="NiceFlow"/>: each parameter as a detached, contiguous float32 CPU tensor (the
/// parameter's own storage when it already is one), kept until disposed. Refuses a flow whose parameters are not the
/// ones its <see cref="FlowLayout"/> names, so a new layer cannot be exported half-known.
/// </summary>
internal sealed class ModuleWeights : FlowWeights
{
    private readonly Dictionary<string, Tensor> values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FlowLayer> layers = new(StringComparer.Ordinal);

    public ModuleWeights(NiceFlow flow) : base(new FlowLayout(flow.Config))
    {
        try
        {
            using var scope = NewDisposeScope();
            foreach (var (name, p) in flow.named_parameters())
                values[name] = p.detach().to(ScalarType.Float32, CPU).contiguous().DetachFromDisposeScope();
            var expected = Layout.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var unknown = values.Keys.Where(n => !expected.Contains(n)).ToList();
            if (unknown.Count > 0)
                throw new InvalidOperationException(
                    $"The ONNX export does not know the parameters {string.Join(", ", unknown)}.");
            var names = flow.named_modules()
                .ToDictionary(m => (object)m.module, m => m.name, ReferenceEqualityComparer.Instance);
            foreach (var layer in flow.AllSteps) layers[names[layer]] = layer;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public override ReadOnlySpan<float> Parameter(string name)
    {
        if (!values.TryGetValue(name, out var t))
            throw new InvalidOperationException(
                $"The flow has no parameter '{name}' (its parameters: {string.Join(", ", values.Keys)}).");
        return MemoryMarshal.Cast<byte, float>(t.bytes);
    }

    public override long[] Permutation(string prefix) => Layer(prefix) switch
    {
        PermutationMixing p => p.Permutation,
        LuMixing lu => lu.Permutation,
        var other => throw new InvalidOperationException($"Layer '{prefix}' is a {other.GetType().Name}, no mixing."),
    };

    public override float[] Sign(string prefix)
    {
        using var scope = NewDisposeScope();
        return Floats(((LuMixing)Layer(prefix)).Sign);
    }

    public override float[] LuInverse(string prefix)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var lu = (LuMixing)Layer(prefix);
        return linalg.inv(lu.Weight().to(ScalarType.Float64)).to(ScalarType.Float32, CPU).contiguous()
            .data<float>().ToArray();
    }

    public override WhiteningParts Whitening(string prefix)
    {
        using var scope = NewDisposeScope();
        var w = (Flow.Whitening)Layer(prefix);
        return new WhiteningParts(Floats(w.Mean), Floats(w.Weight), w.Basis is { } v ? Floats(v) : null,
            w.Gain is { } g ? Floats(g) : null);
    }

    public override float[] WhiteningInverse(string prefix)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Floats(linalg.inv(((Flow.Whitening)Layer(prefix)).Weight.to(ScalarType.Float64)));
    }

    public override (float[] Basis, float[] Radius) Radial(string prefix)
    {
        using var scope = NewDisposeScope();
        var step = (Flow.RadialStep)Layer(prefix);
        return (Floats(step.Basis), Floats(step.RadiusScale));
    }

    private static float[] Floats(Tensor t)
        => t.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();

    private FlowLayer Layer(string prefix)
        => layers.TryGetValue(prefix, out var layer)
            ? layer
            : throw new InvalidOperationException($"The flow has no layer '{prefix}'.");

    public override void Dispose()
    {
        foreach (var t in values.Values) t.Dispose();
        values.Clear();
    }
}
