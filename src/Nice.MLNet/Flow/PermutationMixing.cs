using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// A fixed random permutation of the features between two couplings (RealNVP / Glow's "shuffle" baseline; Kingma &amp;
/// Dhariwal, "Glow", NeurIPS 2018, §3.2): y = x_π, x = y_π⁻¹, log|det J| = 0. π is drawn once from a seeded generator
/// (SplitMix64, so it never depends on the runtime's Random) and kept as the persistent int64 buffer "perm", which the
/// ONNX export writes as an initializer and the import reads back.
/// </summary>
internal sealed class PermutationMixing : FlowLayer
{
    private readonly Tensor perm;
    private readonly Tensor inverse;

    public PermutationMixing(int dimension, ulong seed) : this(RandomPermutation(dimension, seed)) { }

    public PermutationMixing(long[] permutation) : base(nameof(PermutationMixing))
    {
        perm = tensor(permutation);
        inverse = tensor(Invert(permutation));
        register_buffer("perm", perm, persistent: true);
        register_buffer("inverse", inverse, persistent: false);
        RegisterComponents();
    }

    /// <summary>π: y[:, i] = x[:, π[i]].</summary>
    public long[] Permutation => perm.data<long>().ToArray();

    /// <summary>Replaces π (used when a model is read back); throws <see cref="ArgumentException"/> unless it is a
    /// permutation of 0…D−1.</summary>
    public void SetPermutation(long[] permutation)
    {
        if (permutation.Length != perm.shape[0])
            throw new ArgumentException($"Permutation of length {permutation.Length}; D = {perm.shape[0]}.");
        var inv = Invert(permutation);
        using var _ = no_grad();
        perm.copy_(tensor(permutation));
        inverse.copy_(tensor(inv));
    }

    public override (Tensor Y, Tensor LogDet) Forward(Tensor x)
        => (x.index_select(1, perm), zeros(x.shape[0], dtype: x.dtype, device: x.device));

    public override Tensor Inverse(Tensor y) => y.index_select(1, inverse);

    /// <summary>The inverse permutation; see <see cref="Permutations.Invert"/>.</summary>
    public static long[] Invert(long[] p) => Permutations.Invert(p);

    /// <summary>The seeded random permutation; see <see cref="Permutations.Random"/>.</summary>
    public static long[] RandomPermutation(int n, ulong seed) => Permutations.Random(n, seed);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            perm.Dispose();
            inverse.Dispose();
        }
        base.Dispose(disposing);
    }
}
