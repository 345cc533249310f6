using System;
using System.Linq;

namespace Nice.MLNet.Onnx;

/// <summary>
/// The column order a forward graph keeps its rows in, so that couplings need no per-layer Gather. The tensor the
/// graph carries holds T[:, j] = x[:, π[j]]. A coupling needs its two index sets as two contiguous blocks of T in
/// their own order; when they are not, one Gather puts T in the order I₁ ++ I₂, and the alternating partitions
/// (interleaved or halves) stay contiguous from then on, so each coupling is two Slices and a Concat instead of three
/// Gathers (a Gather on axis 1 copies element by element). A permutation step is one Gather into its own order.
/// Per-dimension
/// parameters and matrices are reordered by Gathers on their initializers, which ONNX Runtime folds into constants
/// when the session is created. The latent output is put back in x's order by one Gather at the end.
/// </summary>
internal sealed class GraphLayout
{
    private readonly OnnxModelBuilder b;
    private long[] pi;

    public GraphLayout(OnnxModelBuilder builder, int dimension)
    {
        b = builder;
        pi = Enumerable.Range(0, dimension).Select(i => (long)i).ToArray();
    }

    /// <summary>True while T is in x's own order.</summary>
    public bool IsIdentity => pi.Select((v, j) => v == j).All(same => same);

    /// <summary>
    /// x_I₁ and x_I₂ of <paramref name="t"/> as Slices, after one Gather into the order I₁ ++ I₂ when either set is
    /// not a contiguous block of T; <c>Merge</c> puts (x_I₁, y₂) back into T's order with a Concat.
    /// </summary>
    public (string X1, string X2, Func<string, string, string> Merge) Split(string t, long[] first, long[] second)
    {
        int p1 = Block(first), p2 = Block(second);
        if (p1 < 0 || p2 < 0)
        {
            var target = first.Concat(second).ToArray();
            t = Reorder(t, target);
            (p1, p2) = (0, first.Length);
        }
        string axis = b.Int64s(1);
        string x1 = b.Node("Slice", t, b.Int64s(p1), b.Int64s(p1 + first.Length), axis);
        string x2 = b.Node("Slice", t, b.Int64s(p2), b.Int64s(p2 + second.Length), axis);
        bool firstLeads = p1 < p2;
        return (x1, x2, (y1, y2) => b.Node("Concat", firstLeads ? new[] { y1, y2 } : new[] { y2, y1 }, null,
            OnnxAttribute.Of("axis", 1)));
    }

    /// <summary>
    /// A permutation step y = x[:, perm] with perm the initializer <paramref name="perm"/>: one Gather of T by
    /// position(perm) (indices folded into a constant), after which T is y in its own order.
    /// </summary>
    public string Permute(string t, string perm)
    {
        if (IsIdentity) return b.Node("Gather", new[] { t, perm }, null, OnnxAttribute.Of("axis", 1));
        string indices = b.Node("Gather", new[] { b.Int64s(Positions()), perm }, null, OnnxAttribute.Of("axis", 0));
        pi = Enumerable.Range(0, pi.Length).Select(i => (long)i).ToArray();
        return b.Node("Gather", new[] { t, indices }, null, OnnxAttribute.Of("axis", 1));
    }

    /// <summary>A per-dimension parameter [D] in T's order.</summary>
    public string Vector(string parameter) => IsIdentity ? parameter : Gather(parameter, 0);

    /// <summary>A matrix W [D, D] acting as y = x Wᵀ, in T's order: W[π][:, π].</summary>
    public string Matrix(string weight) => IsIdentity ? weight : Gather(Gather(weight, 0), 1);

    /// <summary><paramref name="t"/> back in x's own order.</summary>
    public string ToInput(string t)
    {
        if (IsIdentity) return t;
        return b.Node("Gather", new[] { t, b.Int64s(Positions()) }, null, OnnxAttribute.Of("axis", 1));
    }

    /// <summary>The position of <paramref name="set"/> as a contiguous block of T in its own order, or −1.</summary>
    private int Block(long[] set)
    {
        int start = Array.IndexOf(pi, set[0]);
        if (start < 0 || start + set.Length > pi.Length) return -1;
        for (int k = 1; k < set.Length; k++)
            if (pi[start + k] != set[k]) return -1;
        return start;
    }

    /// <summary>T reordered so that it holds x[:, <paramref name="target"/>].</summary>
    private string Reorder(string t, long[] target)
    {
        var position = Positions();
        var indices = target.Select(v => position[v]).ToArray();
        pi = target;
        return b.Node("Gather", new[] { t, b.Int64s(indices) }, null, OnnxAttribute.Of("axis", 1));
    }

    /// <summary>Where each of x's columns sits in T: position[π[j]] = j (π's inverse).</summary>
    private long[] Positions()
    {
        var position = new long[pi.Length];
        for (int j = 0; j < pi.Length; j++) position[pi[j]] = j;
        return position;
    }

    private string Gather(string value, long axis)
        => b.Node("Gather", new[] { value, b.Int64s(pi) }, null, OnnxAttribute.Of("axis", axis));
}
