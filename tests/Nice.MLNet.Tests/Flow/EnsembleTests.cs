using System;
using System.Linq;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;
using Nice.MLNet.Tests.Onnx;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>
/// A cross-fitted ensemble (FlowConfig.Members = K) is one flow to everything outside the engine: its density is the
/// members' mean, its ONNX graph computes the same, it reads back, and member k is trained without fold k.
/// </summary>
public class EnsembleTests
{
    private static FlowConfig Config(int d, int members, bool inputNorm = false)
        => TestConfig.Nice(d, 3, 2, 8, InputNorm: inputNorm) with { Members = members };

    [Fact]
    public void Encode_GivesTheLogOfTheMembersMeanDensity_AndMember0sLatent()
    {
        using var scope = NewDisposeScope();
        using var flow = TestUtil.RandomFlow(Config(5, 3), seed: 4, scale: 0.4);
        Assert.Equal(3, flow.Members.Count);
        var x = randn(new long[] { 6, 5 }, generator: new Generator(2));
        using var _ = no_grad();
        var (z, ll) = flow.Encode(x);
        var lls = flow.Members.Select(m => m.LogLikelihood(x).to(ScalarType.Float64)).ToArray();
        for (int i = 0; i < 6; i++)
        {
            double mean = lls.Average(l => Math.Exp(l[i].item<double>()));
            Assert.Equal(Math.Log(mean), ll[i].item<float>(), 3);
        }
        Assert.True(z.allclose(flow.Members[0].Encode(x).Z));
        Assert.True(flow.Inverse(z).allclose(x, atol: 1e-4), "the inverse is member 0's");
        Assert.NotEqual(flow.Members[0].LogLikelihood(x)[0].item<float>(), flow.Members[1].LogLikelihood(x)[0].item<float>());
        Assert.Throws<InvalidOperationException>(() => flow.Forward(x));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OnnxGraph_ComputesTheEnsemblesDensity_AndReadsBackTheSameFlow(bool batched)
    {
        using var scope = NewDisposeScope();
        const int d = 5, n = 4;
        using var flow = TestUtil.RandomFlow(Config(d, 3, inputNorm: true), seed: 6, scale: 0.4);
        var x = randn(new long[] { n, d }, generator: new Generator(3)) * 2;
        var bytes = NiceOnnx.ExportForward(flow, null, batched);
        using var _ = no_grad();
        var (z, ll) = flow.Encode(x);
        var rows = x.contiguous().data<float>().ToArray();
        using var ort = new Ort(bytes);
        if (batched)
        {
            var outputs = ort.Run("Features", rows, n, d);
            OnnxAssert.Close(ll.data<float>().ToArray(), outputs["LogLikelihood"].Values, 1e-4, "log-likelihood");
            OnnxAssert.Close(z.contiguous().data<float>().ToArray(), outputs["Latent"].Values, 1e-4, "latent");
        }
        else
            for (int r = 0; r < n; r++)
                OnnxAssert.Close(new[] { ll[r].item<float>() }, ort.Run("Features", rows[(r * d)..((r + 1) * d)], d)["LogLikelihood"].Values, 1e-4, $"row {r}");
        Assert.Equal("1.2", OnnxModelContents.Parse(bytes).Metadata[NiceOnnxMetadata.FormatKey]);
        using var model = NiceOnnx.Read(bytes);
        Assert.Equal(flow.Config, model.Flow.Config);
        Assert.True(model.Flow.LogLikelihood(x).allclose(ll, rtol: 0, atol: 0));
        var back = Ort.Once(NiceOnnx.ExportInverse(flow, null, true), "Latent", z.contiguous().data<float>().ToArray(), n, d)["Features"].Values;
        OnnxAssert.Close(rows, back, 1e-3, "inverse of the latent");
    }

    [Fact]
    public void Folds_PartitionTheRows_AndEachMemberHoldsOutItsOwnFold()
    {
        const int n = 2000, k = 5;
        var folds = Enumerable.Range(0, n).Select(i => Split.FoldOf(i, 7, k)).ToArray();
        Assert.All(folds, f => Assert.InRange(f, 0, k - 1));
        foreach (int f in Enumerable.Range(0, k))
        {
            int count = folds.Count(v => v == f);
            Assert.InRange(count, n / k - 80, n / k + 80);
            var heldOut = new HeldOutRows(7, 0.1, k, f);
            Assert.All(Enumerable.Range(0, n), i => Assert.Equal(folds[i] == f, heldOut.Contains(i)));
        }
        Assert.NotEqual(folds, Enumerable.Range(0, n).Select(i => Split.FoldOf(i, 8, k)).ToArray());
    }

    [Fact]
    public void Training_CrossFitsTheMembers_EachStoppingOnItsOwnFold()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(1);
        var rows = Enumerable.Range(0, 300 * 4).Select(_ => (float)rng.NextDouble()).ToArray();
        var source = new ArrayRowSource(rows, 4);
        using var flow = GlobalRandom.Seeded(1, () => new NiceFlow(Config(4, 3)));
        var settings = new NiceOptions().ToTrainingSettings() with { Epochs = 4, BatchSize = 50, Seed = 3 };
        var reports = FlowTrainer.Train(flow, source, settings);
        Assert.Equal(new[] { 0, 1, 2 }, reports.Select(r => r.Member).Distinct().ToArray());
        Assert.All(reports, r => Assert.NotNull(r.ValidNll));
        // Member k's validation NLL is measured on fold k: recompute it for the kept weights of the last member.
        var fold2 = Enumerable.Range(0, 300).Where(i => Split.FoldOf(i, 3, 3) == 2)
            .SelectMany(i => rows.Skip(i * 4).Take(4)).ToArray();
        using var _ = no_grad();
        var kept = reports.Where(r => r.Member == 2).Last(r => r.IsBest);
        double nll = -flow.Members[2].LogLikelihood(tensor(fold2, new long[] { fold2.Length / 4, 4 })).mean().item<float>();
        Assert.Equal(kept.ValidNll!.Value, nll, 3);
    }
}
