using System;
using System.Linq;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// The density of a kernel mixture (<see cref="FlowConfig.KernelRows"/>): n training rows xᵢ, each in one of K folds,
/// and K kernels qₖ, each a NICE flow (couplings and a diagonal scaling over a Gaussian prior). Kernel k is placed on
/// the nₖ rows outside fold k, and the model is the mean of the K mixtures,
/// p(x) = (1/K) Σₖ pₖ(x), pₖ(x) = (1/nₖ) Σ_{i ∉ fold k} qₖ(x − xᵢ),
/// so every training row has a kernel, and each row of fold k has a density pₖ from rows other than its own (the
/// out-of-fold score that stops training and calibrates the threshold). With qₖ at its start, the identity followed
/// by exp(s) = 1/(h σ) (<see cref="KernelTrainer"/>), pₖ is the Gaussian kernel density with Scott's bandwidth h on
/// standardized columns; training fits the kernel's shape by the leave-one-out likelihood. Scoring a row costs K·n
/// kernel evaluations, batched. A row's latent code is kernel 0's, qₖ's code of x − xᵢ for the row xᵢ whose kernel
/// gives x the highest density; there is no inverse of a code alone (it needs the row), but sampling is exact: pick k
/// and a row outside fold k, then x = xᵢ + qₖ⁻¹(h).
/// </summary>
internal static class KernelMixture
{
    /// <summary>At most this many values of x − xᵢ are formed at once (rows × n × D), to bound memory.</summary>
    public const long ChunkValues = 1 << 22;

    /// <summary>Rows scored at once so that rows × n × D stays within <see cref="ChunkValues"/> (at least one; all
    /// <paramref name="rows"/> for a model that is not a kernel mixture).</summary>
    public static int RowsPerPass(FlowConfig config, int rows)
        => config.KernelRows is int n
            ? (int)Math.Clamp(ChunkValues / Math.Max(1L, (long)n * config.Dimension), 1, Math.Max(1, rows))
            : rows;

    /// <summary>
    /// log qₖ(x − xᵢ) for every row of <paramref name="x"/> [B, D] and centre of <paramref name="centres"/> [n, D]:
    /// [B, n]; with <paramref name="latent"/>, also the codes [B·n, D] of the differences.
    /// </summary>
    public static (Tensor LogKernel, Tensor? Z) LogKernels(NiceFlow kernel, Tensor x, Tensor centres,
        bool latent = false)
    {
        long b = x.shape[0], n = centres.shape[0], d = x.shape[1];
        var u = (x.unsqueeze(1) - centres.unsqueeze(0)).reshape(b * n, d);
        var (z, ll) = kernel.Encode(u);
        return (ll.reshape(b, n), latent ? z : null);
    }

    /// <summary>log(1/nₖ) on the centres outside fold <paramref name="member"/>, −∞ on its own fold's: [n].</summary>
    public static Tensor LogWeights(Tensor folds, int member)
    {
        var used = folds.ne(member).to(folds.dtype);
        return used.log() - used.sum().log();
    }

    /// <summary>
    /// The latent code (kernel 0's, or <paramref name="member"/>'s) and log p(x) of rows <paramref name="x"/> [B, D]:
    /// of the whole mixture, or of one member's pₖ when <paramref name="member"/> is given. Formed in chunks of rows.
    /// </summary>
    public static (Tensor Z, Tensor LogLikelihood) Encode(NiceFlow flow, Tensor x, int? member)
    {
        var centres = flow.Centres!;
        var folds = flow.Folds!;
        long b = x.shape[0], n = centres.shape[0];
        long chunk = RowsPerPass(flow.Config, (int)Math.Min(b, int.MaxValue));
        var kernels = member is int m ? new[] { m } : Enumerable.Range(0, flow.Members.Count).ToArray();
        var zs = new Tensor[(b + chunk - 1) / chunk];
        var lls = new Tensor[zs.Length];
        for (long start = 0, c = 0; start < b; start += chunk, c++)
        {
            // Without gradients each chunk's intermediates are freed as it ends, so memory stays at one chunk's.
            using var scope = is_grad_enabled() ? null : NewDisposeScope();
            var rows = x.narrow(0, start, Math.Min(chunk, b - start));
            long r = rows.shape[0];
            var perKernel = new Tensor[kernels.Length];
            for (int k = 0; k < kernels.Length; k++)
            {
                var (logq, z) = LogKernels(flow.Members[kernels[k]], rows, centres, latent: k == 0);
                var weighted = logq + LogWeights(folds, kernels[k]);
                perKernel[k] = weighted.logsumexp(1);
                if (k == 0)
                {
                    // The code under the row whose kernel gives x the highest density.
                    var best = weighted.argmax(1) + arange(r, device: x.device) * n;
                    zs[c] = z!.index_select(0, best);
                }
            }
            lls[c] = perKernel.Length == 1 ? perKernel[0]
                : stack(perKernel, 1).logsumexp(1) - Math.Log(perKernel.Length);
            if (scope is not null)
            {
                zs[c] = zs[c].MoveToOuterDisposeScope();
                lls[c] = lls[c].MoveToOuterDisposeScope();
            }
        }
        return zs.Length == 1 ? (zs[0], lls[0]) : (cat(zs, 0), cat(lls, 0));
    }

    /// <summary>
    /// Exact draws: each draw picks a kernel k uniformly and a row xᵢ outside fold k uniformly (from
    /// <paramref name="generator"/>), then x = xᵢ + qₖ⁻¹(h) with h from the prior at <paramref name="temperature"/>.
    /// </summary>
    public static Tensor Sample(NiceFlow flow, long count, double temperature, Generator? generator)
    {
        using var scope = NewDisposeScope();
        int kernels = flow.Members.Count;
        var folds = flow.Folds!.cpu().data<float>().ToArray();
        var pick = randint(kernels, new[] { count }, generator: generator).data<long>().ToArray();
        var x = zeros(new[] { count, (long)flow.Dimension }, device: flow.Device);
        for (int k = 0; k < kernels; k++)
        {
            var draws = Enumerable.Range(0, (int)count).Where(i => pick[i] == k).Select(i => (long)i).ToArray();
            if (draws.Length == 0) continue;
            var outside = Enumerable.Range(0, folds.Length).Where(i => folds[i] != k).Select(i => (long)i).ToArray();
            var slot = randint(outside.Length, new[] { (long)draws.Length }, generator: generator).data<long>();
            var rows = tensor(slot.Select(s => outside[s]).ToArray(), device: flow.Device);
            var member = flow.Members[k];
            var h = Prior.Sample(member.Config.Prior, draws.Length, flow.Dimension, temperature, generator)
                .to(flow.Device);
            x.index_copy_(0, tensor(draws, device: flow.Device),
                flow.Centres!.index_select(0, rows) + member.Inverse(h));
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The error for asking a kernel mixture to invert a latent code.</summary>
    public static NotSupportedException NoInverse() => new(
        "A kernel mixture (NiceOptions.KernelMixture) has no inverse of a latent code alone: a code is read under " +
        "one training row's kernel, and the row is not part of it. Use Sample to draw from the model, or train a " +
        "flow (NiceOptions.KernelMixture = false) to decode codes.");
}
