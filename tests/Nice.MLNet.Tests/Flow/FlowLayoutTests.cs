using System.Linq;
using Nice.MLNet.Flow;
using Xunit;

namespace Nice.MLNet.Tests.Flow;

/// <summary>
/// The torch-free <see cref="FlowLayout"/> names exactly the parameters (names, shapes, order) and layers the
/// TorchSharp <see cref="NiceFlow"/> has, for every kind of config: a saved model's weights are checked and exported by
/// it without building the flow.
/// </summary>
public class FlowLayoutTests
{
    public static TheoryData<NiceCoupling, NiceMixing, bool, NicePartition, int> Kinds()
    {
        var data = new TheoryData<NiceCoupling, NiceMixing, bool, NicePartition, int>();
        foreach (var coupling in new[] { NiceCoupling.Additive, NiceCoupling.Affine })
            foreach (var mixing in new[] { NiceMixing.None, NiceMixing.Permutation, NiceMixing.LU })
                foreach (var actNorm in new[] { false, true })
                    data.Add(coupling, mixing, actNorm, actNorm ? NicePartition.Contiguous : NicePartition.Interleaved,
                        mixing == NiceMixing.LU ? 1 : 3);
        return data;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Layout_NamesTheFlowsParametersAndLayers(NiceCoupling coupling, NiceMixing mixing, bool actNorm,
        NicePartition partition, int hiddenLayers)
    {
        var config = TestConfig.Nice(7, Couplings: 3, HiddenLayers: hiddenLayers, HiddenWidth: 5,
            Partition: partition, Coupling: coupling, Mixing: mixing, ActNorm: actNorm);
        using var flow = new NiceFlow(config);
        var layout = new FlowLayout(config);

        Assert.Equal(flow.named_parameters().Select(p => (p.name, string.Join(",", p.parameter.shape))),
            layout.Parameters.Select(p => (p.Name, string.Join(",", p.Shape))));
        var names = flow.named_modules().ToDictionary(m => (object)m.module, m => m.name);
        Assert.Equal(flow.Steps.Select(l => names[l]), layout.Steps.Select(s => s.Prefix));
        Assert.Equal(flow.Steps.Select(l => l.GetType().Name.Replace("Additive", "").Replace("Affine", "")),
            layout.Steps.Select(s => s switch
            {
                FlowLayout.CouplingStep => "Coupling",
                FlowLayout.PermutationStep => "PermutationMixing",
                FlowLayout.LuStep => "LuMixing",
                FlowLayout.WhiteningStep => "Whitening",
                _ => "ActNorm",
            }));
    }

    [Fact]
    public void Layout_OfARadialFlow_NamesItsParametersAndSteps()
    {
        var config = TestConfig.Nice(9, Couplings: 3, HiddenLayers: 2, HiddenWidth: 5) with
        {
            Prior = NicePrior.Gaussian, Whitening = NiceWhitening.Full, WhiteningRank = 4, Radial = true,
        };
        using var flow = new NiceFlow(config);
        var layout = new FlowLayout(config);
        Assert.Equal(flow.named_parameters().Select(p => (p.name, string.Join(",", p.parameter.shape))),
            layout.Parameters.Select(p => (p.Name, string.Join(",", p.Shape))));
        var names = flow.named_modules().ToDictionary(m => (object)m.module, m => m.name);
        Assert.Equal(flow.Steps.Select(l => names[l]), layout.Steps.Select(s => s.Prefix));
        var radial = Assert.IsType<FlowLayout.RadialStep>(layout.Steps.Last());
        Assert.Equal(flow.Radial!.InnerLayers.OfType<ICoupling>().Select(l => names[l]), radial.Inner.Select(c => c.Prefix));
        Assert.Equal(Nice.MLNet.Onnx.NiceOnnx.ParameterCount(config), flow.parameters().Sum(p => (double)p.numel()));
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(true, 3)]
    [InlineData(false, 2)]
    public void Layout_OfInputNormAndEnsembles_NamesEveryMembersParametersAndLayers(bool inputNorm, int? members)
    {
        var config = TestConfig.Nice(5, Couplings: 3, HiddenLayers: 1, HiddenWidth: 4, Mixing: NiceMixing.LU,
            ActNorm: true, InputNorm: inputNorm) with { Members = members };
        using var flow = new NiceFlow(config);
        var layout = new FlowLayout(config);

        Assert.Equal(flow.named_parameters().Select(p => (p.name, string.Join(",", p.parameter.shape))),
            layout.Parameters.Select(p => (p.Name, string.Join(",", p.Shape))));
        var names = flow.named_modules().ToDictionary(m => (object)m.module, m => m.name);
        Assert.Equal(flow.Members.SelectMany(m => m.Steps).Select(l => names[l]), layout.Steps.Select(s => s.Prefix));
        Assert.Equal(members ?? 1, layout.Members.Count);
        Assert.Equal(flow.Members.Select(m => names[m.Scaling] + ".s"), layout.Members.Select(m => m.Scaling));
        Assert.Equal(inputNorm ? layout.Members.Count : 0, layout.Steps.Count(s => s is FlowLayout.InputNormStep));
    }

    [Theory]
    [InlineData(NiceWhitening.Full, 0, 0)]
    [InlineData(NiceWhitening.Diagonal, 2, 0)]
    [InlineData(NiceWhitening.Full, 2, 0)]
    [InlineData(NiceWhitening.Full, 2, 3)]
    public void Layout_PutsTheWhiteningFirst_WithNoParameters(NiceWhitening kind, int couplings, int rank)
    {
        var config = TestConfig.Nice(6, Couplings: couplings, HiddenLayers: 1, HiddenWidth: 4, Prior: NicePrior.Gaussian)
            with { Whitening = kind, WhiteningRank = rank > 0 ? rank : null };
        using var flow = new NiceFlow(config);
        var layout = new FlowLayout(config);

        Assert.Equal(flow.named_parameters().Select(p => (p.name, string.Join(",", p.parameter.shape))),
            layout.Parameters.Select(p => (p.Name, string.Join(",", p.Shape))));
        var names = flow.named_modules().ToDictionary(m => (object)m.module, m => m.name);
        Assert.Equal(flow.Steps.Select(l => names[l]), layout.Steps.Select(s => s.Prefix));
        var first = Assert.IsType<FlowLayout.WhiteningStep>(layout.Steps.First());
        Assert.Equal(kind == NiceWhitening.Full, first.Full);
        Assert.Equal(rank, first.Rank);
        Assert.Equal(rank, flow.Whitening!.BasisRank);
        Assert.Same(flow.Whitening, flow.Steps[0]);
    }
}
