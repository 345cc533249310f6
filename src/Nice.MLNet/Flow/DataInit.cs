using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// Data-dependent initialization (in the spirit of Glow's actnorm; not in the NICE paper): with every coupling's output
/// layer at zero, m(x₁) equals its output bias, so the couplings start as shifts. We set those biases to −μ of the
/// dimensions each coupling updates (the first two couplings cover all D), and s = log(σ_prior / σ), so at step 0 the
/// flow maps the data to zero mean and the prior's standard deviation per dimension. Training then spends no epochs
/// walking s and the biases to the data's scale at Adam's learning-rate pace.
/// </summary>
internal static class DataInit
{
    /// <summary>
    /// Initializes from <paramref name="x"/> (flow-space rows, shape [N, D]). Leaves the flow as it is when there are
    /// fewer than two rows or when the statistics are not finite (such data then fails in training with an error naming
    /// the batch).
    /// </summary>
    public static void Apply(NiceFlow flow, Tensor x)
    {
        if (flow.Whitening is not null)
        {
            StartAtWhitening(flow);
            return;
        }
        if (x.shape[0] < 2 || !FiniteStatistics(x)) return;
        if (!flow.Config.IsPlainNice)
        {
            ApplyLayerByLayer(flow, x);
            return;
        }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var mean = x.mean(new long[] { 0 });
        var std = Floored(x.std(0));
        var shift = mean.clone();
        foreach (var layer in flow.Couplings.OfType<AdditiveCoupling>())
        {
            var bias = layer.Net.named_parameters().Single(p => p.name.EndsWith("output.bias",
                StringComparison.Ordinal)).parameter;
            var second = tensor(layer.Partition.Second, device: x.device);
            bias.copy_(-shift.index_select(0, second));
            shift.index_fill_(0, second, 0);
        }
        flow.Scaling.LogScale.copy_((Prior.StandardDeviation(flow.Config.Prior) / std).log());
    }

    /// <summary>
    /// The start of a flow whose first layer is a (fitted) <see cref="Whitening"/>: the data leave it with zero mean
    /// and unit covariance, so every other layer keeps its identity start and s = log σ_prior. The untrained flow is
    /// then the whitening's Gaussian (under the Gaussian prior, N(μ, Σ) exactly), and training starts from it.
    /// </summary>
    public static void StartAtWhitening(NiceFlow flow)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        flow.Scaling.LogScale.fill_(Math.Log(Prior.StandardDeviation(flow.Config.Prior)));
    }

    /// <summary>
    /// Per-dimension standard deviations with a floor relative to the data's own scale: 10⁻³ × the root mean square of
    /// the dimensions' non-zero standard deviations (1 when every dimension is constant). Data in any units, × a, get
    /// the same initialization as data × 1 (the floor scales with a); a dimension constant in these rows gets a
    /// log-scale log(σ_prior / floor), about 7 nats above the typical dimension's.
    /// </summary>
    public static Tensor Floored(Tensor std)
    {
        using var scope = NewDisposeScope();
        var positive = std.gt(0);
        long count = positive.sum().item<long>();
        var floor = count == 0
            ? ones(1, dtype: std.dtype, device: std.device)
            : (std.square() * positive).sum().div(count).sqrt().mul(RelativeFloor);
        return std.maximum(floor).MoveToOuterDisposeScope();
    }

    /// <summary>The floor of a standard deviation as a fraction of the data's typical one (see
    /// <see cref="Floored"/>).</summary>
    public const double RelativeFloor = 1e-3;

    /// <summary>True when the per-dimension mean and standard deviation of <paramref name="x"/> are finite.</summary>
    private static bool FiniteStatistics(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return x.mean(new long[] { 0 }).isfinite().all().item<bool>() && x.std(0).isfinite().all().item<bool>();
    }

    /// <summary>
    /// The general form, for flows with actnorm, mixings or affine couplings: pushes the rows up the flow one layer at
    /// a time. An <see cref="InputNorm"/> standardizes the rows it sees; an <see cref="ActNorm"/> takes b = −mean, logs
    /// = −log std of the rows it sees (Glow's data-dependent init); a coupling lowers the shift part of its output bias
    /// by the mean of the features it updates (its log-scale part is left at zero), so those features leave it centred;
    /// mixings are left as they are; then s = log(σ_prior / std) of the rows reaching the top.
    /// </summary>
    private static void ApplyLayerByLayer(NiceFlow flow, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var h = x;
        foreach (var layer in flow.Steps)
        {
            switch (layer)
            {
                case ActNorm norm:
                    norm.InitializeFrom(h);
                    break;
                case InputNorm norm:
                    norm.InitializeFrom(h);
                    break;
                case ICoupling coupling:
                {
                    var bias = coupling.Net.named_parameters().Single(p => p.name.EndsWith("output.bias",
                        StringComparison.Ordinal)).parameter;
                    var second = tensor(coupling.Partition.Second, device: x.device);
                    var updatedMean = layer.Forward(h).Y.index_select(1, second).mean(new long[] { 0 });
                    int n = coupling.Partition.Second.Length;
                    // The shift t is the last |I₂| outputs of an affine coupling's net, and all of an additive
                    // coupling's.
                    bias.narrow(0, bias.shape[0] - n, n).sub_(updatedMean);
                    break;
                }
            }
            h = layer.Forward(h).Y;
        }
        var std = Floored(h.std(0));
        flow.Scaling.LogScale.copy_((Prior.StandardDeviation(flow.Config.Prior) / std).log());
    }
}
