using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// Glow's activation normalization (Kingma &amp; Dhariwal, NeurIPS 2018, §3.1), per feature: y = (x + b) ⊙ exp(logs), x
/// = y ⊙ exp(−logs) − b, log|det J| = Σᵢ logsᵢ. Starts as the identity (b = 0, logs = 0); <see cref="DataInit"/> sets
/// it from the first training rows it sees (b = −mean, logs = −log std), so its output starts at zero mean and unit
/// variance per feature; both then train freely.
/// </summary>
internal sealed class ActNorm : FlowLayer
{
    private readonly Parameter bias;
    private readonly Parameter logs;

    public ActNorm(int dimension) : base(nameof(ActNorm))
    {
        bias = new Parameter(zeros(dimension));
        logs = new Parameter(zeros(dimension));
        register_parameter("bias", bias);
        register_parameter("logs", logs);
    }

    public Parameter Bias => bias;

    public Parameter LogScale => logs;

    /// <summary>Data-dependent initialization from rows <paramref name="x"/> [N, D], N ≥ 2: b = −mean, logs = −log std,
    /// with the scale-relative floor of <see cref="DataInit.Floored"/>.</summary>
    public void InitializeFrom(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        bias.copy_(-x.mean(new long[] { 0 }));
        logs.copy_(-DataInit.Floored(x.std(0)).log());
    }

    public override (Tensor Y, Tensor LogDet) Forward(Tensor x)
        => ((x + bias) * logs.exp(), logs.sum().expand(x.shape[0]));

    public override Tensor Inverse(Tensor y) => y * (-logs).exp() - bias;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            bias.Dispose();
            logs.Dispose();
        }
        base.Dispose(disposing);
    }
}
