using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>The trainer's Adam: <see cref="FusedAdam"/> when the parameters allow it (CPU float32), TorchSharp's
/// otherwise (GPU).</summary>
internal sealed class AdamOptimizer : IDisposable
{
    private readonly FusedAdam? fused;
    private readonly optim.Optimizer? torchAdam;

    public AdamOptimizer(IReadOnlyList<Parameter> parameters, double lr, double beta1, double beta2, double eps,
        double weightDecay, bool allowFused = true)
    {
        if (allowFused && FusedAdam.Supports(parameters)) fused = new FusedAdam(parameters, lr, beta1, beta2, eps,
            weightDecay);
        else torchAdam = optim.Adam(parameters, lr, beta1, beta2, eps, weightDecay);
    }

    /// <summary>True when the one-pass CPU implementation is in use.</summary>
    public bool IsFused => fused is not null;

    public void Step()
    {
        if (fused is not null) fused.Step();
        else torchAdam!.step();
    }

    public void Dispose()
    {
        fused?.Dispose();
        torchAdam?.Dispose();
    }
}
