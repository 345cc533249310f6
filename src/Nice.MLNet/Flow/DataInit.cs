using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// Data-dependent initialization (in the spirit of Glow's actnorm; not in the NICE paper): with every coupling's output layer
/// at zero, m(x₁) equals its output bias, so the couplings start as shifts. We set those biases to −μ of the dimensions each
/// coupling updates (the first two couplings cover all D), and s = log(σ_prior / σ), so at step 0 the flow maps the data to
/// zero mean and the prior's standard deviation per dimension. Training then spends no epochs walking s and the biases
/// to the data's scale at Adam's learning-rate pace.
/// </summary>
internal static class DataInit
{
    /// <summary>
    /// Initializes from <paramref name="x"/> (flow-space rows, shape [N, D]). Leaves the flow as it is when there are fewer than
    /// two rows or when the statistics are not finite (such data then fails in training with an error naming the batch).
    /// </summary>
    public static void Apply(NiceFlow flow, Tensor x)
    {
        if (x.shape[0] < 2) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var mean = x.mean(new long[] { 0 });
        var std = x.std(0).clamp_min(1e-3);
        if (!mean.isfinite().all().item<bool>() || !std.isfinite().all().item<bool>()) return;
        var shift = mean.clone();
        foreach (var layer in flow.Couplings.OfType<AdditiveCoupling>())
        {
            var bias = layer.Net.named_parameters().Single(p => p.name.EndsWith("output.bias", StringComparison.Ordinal)).parameter;
            var second = tensor(layer.Partition.Second, device: x.device);
            bias.copy_(-shift.index_select(0, second));
            shift.index_fill_(0, second, 0);
        }
        flow.Scaling.LogScale.copy_((Prior.StandardDeviation(flow.Config.Prior) / std).log());
    }
}
