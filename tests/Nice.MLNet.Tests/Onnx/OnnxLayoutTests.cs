using System.Linq;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;
using Nice.MLNet.Onnx.Proto;
using Xunit;

namespace Nice.MLNet.Tests.Onnx;

/// <summary>
/// The forward graph's column layout (<c>GraphLayout</c>): alternating couplings cost one Gather of the rows into the
/// couplings' order and one back for the latent code, whatever the number of couplings — not three per coupling —
/// the inverse graph still reads every index set back, and the forward graph carries no initializer it does not read
/// (ONNX Runtime would warn about each one when it opens a session). (That the values match TorchSharp is
/// <see cref="OnnxVariantTests"/>' job, for every layout, mixing and odd D.)
/// </summary>
public sealed class OnnxLayoutTests
{
    private static int RowGathers(byte[] onnx)
    {
        var graph = ModelProto.Parser.ParseFrom(onnx).Graph;
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet();
        // A Gather of the rows (axis 1) whose data input is computed, not an initializer being reordered.
        return graph.Node.Count(n => n.OpType == "Gather" && !initializers.Contains(n.Input[0])
            && n.Attribute.Any(a => a.Name == "axis" && a.I == 1));
    }

    [Theory]
    [InlineData(NicePartition.Interleaved, 8, 4)]
    [InlineData(NicePartition.Interleaved, 7, 6)]
    [InlineData(NicePartition.Contiguous, 9, 4)]
    public void ForwardGraph_OfAlternatingCouplings_GathersRowsOnlyIntoAndOutOfTheLayout(NicePartition partition, int d,
        int couplings)
    {
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(d, couplings, 1, 8, Partition: partition));
        int gathers = RowGathers(NiceOnnx.ExportForward(flow, null, batched: true));
        // Contiguous halves need no Gather into the layout: I₁ and I₂ already are blocks of x.
        Assert.Equal(partition == NicePartition.Contiguous ? 0 : 2, gathers);
        Assert.Equal(3 * couplings, RowGathers(NiceOnnx.ExportInverse(flow, null, batched: true)));
    }

    [Theory]
    [InlineData(NiceMixing.None)]
    [InlineData(NiceMixing.Permutation)]
    [InlineData(NiceMixing.LU)]
    public void ForwardGraph_ReadsEveryInitializerItCarries(NiceMixing mixing)
    {
        // ONNX Runtime warns on stderr about each initializer no node reads ("Removing initializer …") whenever it
        // opens a session: scoring a permutation-mixed model printed one line per permutation and member. (The
        // inverse graph, opened only to sample, keeps the forward weights the import reads back.)
        using var flow = TestUtil.RandomFlow(TestConfig.Nice(8, 4, 1, 8, Mixing: mixing, InputNorm: true));
        var graph = ModelProto.Parser.ParseFrom(NiceOnnx.ExportForward(flow, null, batched: true)).Graph;
        var read = graph.Node.SelectMany(n => n.Input).ToHashSet();
        Assert.All(graph.Initializer, initializer => Assert.Contains(initializer.Name, read));
    }
}
