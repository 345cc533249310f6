using System;
using System.Collections.Generic;
using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>
/// The coupling partitions (NICE §3.2, §5.1): layer 0 conditions on I₁ and updates I₂, layer 1 the other way round, and so
/// on, so two consecutive couplings update every feature. Checked on the index sets and, for the layers a NiceFlow builds,
/// on what each coupling actually changes. The expected sets are written out here, not taken from Partition.
/// </summary>
public class PartitionTests
{
    /// <summary>The features layer 0 conditions on: the even ones (interleaved) or the first ⌈D/2⌉ (contiguous).</summary>
    private static long[] Layer0First(NicePartition kind, int d) => kind == NicePartition.Interleaved
        ? Enumerable.Range(0, d).Where(i => i % 2 == 0).Select(i => (long)i).ToArray()
        : Enumerable.Range(0, (d + 1) / 2).Select(i => (long)i).ToArray();

    private static long[] Complement(long[] set, int d) => Enumerable.Range(0, d).Select(i => (long)i).Except(set).ToArray();

    /// <summary>(conditioned on, updated) for coupling <paramref name="layer"/>.</summary>
    private static (long[] First, long[] Second) Expected(NicePartition kind, int d, int layer)
    {
        var first = Layer0First(kind, d);
        var second = Complement(first, d);
        return layer % 2 == 0 ? (first, second) : (second, first);
    }

    public static IEnumerable<object[]> KindsAndDimensions()
    {
        foreach (var kind in new[] { NicePartition.Interleaved, NicePartition.Contiguous })
        foreach (var d in new[] { 2, 3, 5, 8, 9 })
            yield return new object[] { kind, d };
    }

    [Theory]
    [MemberData(nameof(KindsAndDimensions))]
    public void Partition_AlternatesBetweenEvenAndOddLayers_AndSplitsEveryFeatureOnce(NicePartition kind, int d)
    {
        for (int layer = 0; layer < 6; layer++)
        {
            var p = Partition.For(kind, d, layer);
            var (first, second) = Expected(kind, d, layer);
            Assert.Equal(first, p.First);
            Assert.Equal(second, p.Second);
            Assert.NotEmpty(p.First);
            Assert.NotEmpty(p.Second);
            var order = p.First.Concat(p.Second).ToArray();
            Assert.Equal(Enumerable.Range(0, d).Select(i => (long)i), order.OrderBy(i => i));
            for (int position = 0; position < d; position++) Assert.Equal(position, p.Inverse[order[position]]);

            var next = Partition.For(kind, d, layer + 1);
            Assert.Equal(p.First, next.Second);
            Assert.Equal(p.Second, next.First);
        }
    }

    public static IEnumerable<object[]> FlowsToCheck()
    {
        foreach (var (kind, d) in new[] { (NicePartition.Interleaved, 5), (NicePartition.Contiguous, 5), (NicePartition.Interleaved, 8), (NicePartition.Contiguous, 7) })
        {
            yield return new object[] { kind, d, NiceCoupling.Additive, NiceMixing.None, false };
            yield return new object[] { kind, d, NiceCoupling.Affine, NiceMixing.None, false };
        }
        yield return new object[] { NicePartition.Contiguous, 7, NiceCoupling.Affine, NiceMixing.LU, true };
        yield return new object[] { NicePartition.Interleaved, 6, NiceCoupling.Additive, NiceMixing.Permutation, true };
    }

    /// <summary>
    /// Each coupling NiceFlow builds leaves exactly its layer's conditioning features unchanged and changes every one of the
    /// others; and what it adds to those depends on the conditioning features only (perturbing an updated feature moves
    /// that output alone). Consecutive couplings therefore update complementary sets.
    /// </summary>
    [Theory]
    [MemberData(nameof(FlowsToCheck))]
    public void FlowCouplings_UpdateTheirLayersFeaturesOnly_AlternatingLayerByLayer(NicePartition kind, int d, NiceCoupling coupling, NiceMixing mixing, bool actNorm)
    {
        using var scope = NewDisposeScope();
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(d, 4, 2, 16, NiceActivation.LeakyReLU, kind, NicePrior.Logistic, coupling, mixing, actNorm), seed: 21, scale: 0.5);
        using var _ = no_grad();
        var couplings = flow.Couplings;
        Assert.Equal(4, couplings.Count);
        var x = randn(new long[] { 16, d }, generator: new Generator(22));
        for (int k = 0; k < couplings.Count; k++)
        {
            var (first, second) = Expected(kind, d, k);
            Assert.Equal(first, ((ICoupling)couplings[k]).Partition.First);
            var y = couplings[k].Forward(x).Y;
            var change = (y - x).abs().amax(new long[] { 0 }).data<float>().ToArray();
            foreach (var i in first) Assert.True(change[i] == 0, $"coupling {k} changed conditioning feature {i} by {change[i]}");
            foreach (var i in second) Assert.True(change[i] > 1e-4, $"coupling {k} left updated feature {i} unchanged");

            foreach (var j in second)
            {
                var bumped = x.clone();
                bumped[.., j] += 0.5f;
                var moved = (couplings[k].Forward(bumped).Y - y).abs().amax(new long[] { 0 }).data<float>().ToArray();
                for (int i = 0; i < d; i++)
                    if (i != j) Assert.True(moved[i] <= 1e-6, $"coupling {k}: bumping updated feature {j} moved output {i} by {moved[i]}");
            }
        }
    }
}
