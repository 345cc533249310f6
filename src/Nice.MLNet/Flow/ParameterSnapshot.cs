using System;
using System.Linq;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>A detached copy of every parameter of a flow, to restore later (the best epoch's weights).</summary>
internal sealed class ParameterSnapshot : IDisposable
{
    private readonly Tensor[] values;

    public ParameterSnapshot(NiceFlow flow)
    {
        // The scope disposes the detached views; without it each snapshot leaked one tensor handle per parameter.
        using var scope = NewDisposeScope();
        using (no_grad()) values = flow.parameters().Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Copies the saved values back into <paramref name="flow"/>'s parameters.</summary>
    public void Restore(NiceFlow flow)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            var ps = flow.parameters().ToArray();
            for (int i = 0; i < ps.Length; i++) ps[i].copy_(values[i]);
        }
    }

    public void Dispose()
    {
        foreach (var v in values) v.Dispose();
    }
}
