using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// A per-dimension affine map at the bottom of the flow, y = x ⊙ exp(a) + b, log|det J| = Σᵢ aᵢ (Glow's actnorm in
/// the form of Kingma &amp; Dhariwal, NeurIPS 2018, §3.1: the bias after the scale). <see cref="DataInit"/> starts it
/// at a = −log σ, b = −μ/σ of the training rows, so the layers above see standardized data; both then train.
/// Because a is a log-scale and b is in standardized units, an optimizer step means the same whatever the data's units:
/// data × 10⁻⁵ train like data × 1 (only log p shifts, by D·log 10⁵), which a flow whose first weights act on the raw
/// values cannot do (Adam moves every weight by about its learning rate, 10⁻³, which is 100 standard deviations of data
/// in units of 10⁻⁵).
/// </summary>
internal sealed class InputNorm : FlowLayer
{
    private readonly Parameter logs;
    private readonly Parameter bias;

    public InputNorm(int dimension) : base(nameof(InputNorm))
    {
        logs = new Parameter(zeros(dimension));
        bias = new Parameter(zeros(dimension));
        register_parameter("logs", logs);
        register_parameter("bias", bias);
    }

    /// <summary>The log-scale a.</summary>
    public Parameter LogScale => logs;

    /// <summary>The bias b (added after the scale).</summary>
    public Parameter Bias => bias;

    /// <summary>
    /// Data-dependent initialization from rows <paramref name="x"/> [N, D], N ≥ 2: a = −log σ, b = −μ/σ, with σ
    /// floored relative to the data's scale (<see cref="DataInit.Floored"/>).
    /// </summary>
    public void InitializeFrom(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var std = DataInit.Floored(x.std(0));
        logs.copy_(-std.log());
        bias.copy_(-x.mean(new long[] { 0 }) / std);
    }

    public override (Tensor Y, Tensor LogDet) Forward(Tensor x)
        => (x * logs.exp() + bias, logs.sum().expand(x.shape[0]));

    public override Tensor Inverse(Tensor y) => (y - bias) * (-logs).exp();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            logs.Dispose();
            bias.Dispose();
        }
        base.Dispose(disposing);
    }
}
