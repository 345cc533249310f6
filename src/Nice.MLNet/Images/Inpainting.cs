using System;
using Nice.MLNet.Flow;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Images;

/// <summary>The projected stochastic gradient ascent of NICE's inpainting (arXiv:1410.8516, §5.2), on flow-space
/// tensors.</summary>
internal static class Inpainting
{
    /// <summary>
    /// Returns x after <see cref="NiceInpaintingOptions.Steps"/> updates x ← clamp(x + αᵢ·(∇ₓ log p(x) + ε) ⊙ (1 −
    /// known), lo, hi); known entries never change. <paramref name="x0"/> and <paramref name="known"/> (1 = known, 0 =
    /// to fill) are [N, D] in flow space.
    /// </summary>
    public static Tensor Run(NiceFlow flow, Tensor x0, Tensor known, double lo, double hi,
        NiceInpaintingOptions options)
    {
        using var generator = new Generator((ulong)(uint)options.Seed);
        using var enable = enable_grad();
        var free = (ones_like(known) - known).to(x0.dtype).to(flow.Device);
        var x = x0.to(flow.Device).clamp(lo, hi);
        for (int i = 0; i < options.Steps; i++)
        {
            using var scope = NewDisposeScope();
            var xi = x.detach().requires_grad_(true);
            var ll = flow.LogLikelihood(xi).sum();
            var grad = autograd.grad(new[] { ll }, new[] { xi })[0];
            if (options.NoiseScale > 0)
                grad = grad + randn(xi.shape, generator: generator, dtype: xi.dtype).to(xi.device) * options.NoiseScale;
            double alpha = options.StepNumerator / (options.StepDenominator + i);
            var next = (xi.detach() + grad * free * alpha).clamp(lo, hi).MoveToOuterDisposeScope();
            x.Dispose();
            x = next;
        }
        free.Dispose();
        return x;
    }
}
