using System;
using System.Linq;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;
using Nice.MLNet.Tests.Onnx;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>
/// The kernel mixture p(x) = (1/K) Σₖ (1/nₖ) Σ_{i ∉ fold k} qₖ(x − xᵢ) as the engine holds it: its layout, its density
/// against the formula, its ONNX graph against TorchSharp, its file read back, its samples, and the inverse it refuses.
/// </summary>
public sealed class KernelMixtureTests
{
    private const int D = 6, N = 15, K = 3;

    private static FlowConfig Config() => TestConfig.Nice(D, 2, 1, 8, Prior: NicePrior.Gaussian)
        with { Members = K, KernelRows = N };

    /// <summary>A kernel mixture with random kernels, random centres and folds i mod K.</summary>
    private static NiceFlow RandomMixture(int seed)
    {
        var flow = TestUtil.RandomFlow(Config(), seed, scale: 0.3);
        using var _ = no_grad();
        flow.Folds!.copy_(tensor(Enumerable.Range(0, N).Select(i => (float)(i % K)).ToArray()));
        flow.Centres!.copy_(randn(new long[] { N, D }, generator: new Generator((ulong)seed)));
        return flow;
    }

    [Fact]
    public void Layout_NamesTheCentresAndFoldsFirst_ThenEveryKernel()
    {
        using var flow = new NiceFlow(Config());
        var layout = new FlowLayout(Config());
        Assert.Equal(flow.named_parameters().Select(p => (p.name, string.Join(",", p.parameter.shape))),
            layout.Parameters.Select(p => (p.Name, string.Join(",", p.Shape))));
        Assert.Equal(("centres", "15,6"), (layout.Parameters[0].Name, string.Join(",", layout.Parameters[0].Shape)));
        Assert.Equal(K, layout.Members.Count);
    }

    [Fact]
    public void LogLikelihood_IsTheMeanOfTheKernelsOnTheRowsOutsideTheirFolds()
    {
        using var scope = NewDisposeScope();
        using var flow = RandomMixture(3);
        using var _ = no_grad();
        var x = randn(new long[] { 4, D }, generator: new Generator(9));
        var ll = flow.LogLikelihood(x).to(ScalarType.Float64).data<double>().ToArray();
        var centres = flow.Centres!;
        for (int r = 0; r < 4; r++)
        {
            double mixture = 0;
            for (int k = 0; k < K; k++)
            {
                var rows = Enumerable.Range(0, N).Where(i => i % K != k).ToArray();
                double sum = rows.Sum(i => Math.Exp(flow.Members[k]
                    .LogLikelihood((x[r] - centres[i]).unsqueeze(0)).item<float>()));
                mixture += sum / rows.Length / K;
            }
            Approx.Equal(Math.Log(mixture), ll[r], 1e-4, $"row {r}");
        }
        var member = flow.EncodeMember(x, 1).LogLikelihood.data<float>().ToArray();
        var own = Enumerable.Range(0, N).Where(i => i % K != 1).ToArray();
        double expected = Math.Log(own.Sum(i => Math.Exp(flow.Members[1]
            .LogLikelihood((x[0] - centres[i]).unsqueeze(0)).item<float>())) / own.Length);
        Approx.Equal(expected, member[0], 1e-4, "member 1 alone");
    }

    [Fact]
    public void ForwardGraph_MatchesTorch_AndTheFileReadsBackAsTheSameModel()
    {
        using var scope = NewDisposeScope();
        using var flow = RandomMixture(5);
        using var _ = no_grad();
        var x = randn(new long[] { 7, D }, generator: new Generator(2)) * 2;
        var (z, ll) = flow.Encode(x);
        var bytes = NiceOnnx.ExportForward(flow, null, batched: true);
        Assert.Equal("1.5", OnnxModelContents.Parse(bytes).Metadata[NiceOnnxMetadata.FormatKey]);
        using (var ort = new Ort(bytes))
        {
            var outputs = ort.Run("Features", x.data<float>().ToArray(), 7, D);
            OnnxAssert.Close(ll.data<float>().ToArray(), outputs["LogLikelihood"].Values, 1e-4, "log-likelihood");
            OnnxAssert.Close(z.contiguous().data<float>().ToArray(), outputs["Latent"].Values, 1e-4, "latent");
        }
        var single = NiceOnnx.ExportForward(flow, null, batched: false);
        using (var ort = new Ort(single))
            for (int r = 0; r < 2; r++)
                OnnxAssert.Close(new[] { ll[r].item<float>() },
                    ort.Run("Features", x[r].data<float>().ToArray(), D)["LogLikelihood"].Values, 1e-4, $"row {r}");
        using var model = NiceOnnx.Read(bytes);
        Assert.Equal(flow.Config, model.Flow.Config);
        Assert.True(model.Flow.LogLikelihood(x).allclose(ll, rtol: 0, atol: 0));
    }

    [Fact]
    public void ScoringEngines_AgreeOnAKernelMixtureTooLargeForOnePass()
    {
        // n · D = 300 · 200 values per row: 69 rows a pass, so 150 rows take three passes in each engine.
        var config = TestConfig.Nice(200, 2, 1, 8, Prior: NicePrior.Gaussian) with { Members = 3, KernelRows = 300 };
        Assert.Equal(69, KernelMixture.RowsPerPass(config, 150));
        var flow = TestUtil.RandomFlow(config, 4, scale: 0.05);
        using (no_grad())
        {
            flow.Folds!.copy_(tensor(Enumerable.Range(0, 300).Select(i => (float)(i % 3)).ToArray()));
            flow.Centres!.copy_(randn(new long[] { 300, 200 }, generator: new Generator(3)));
        }
        using var lazy = new LazyFlow(flow);
        using var torch = new Nice.MLNet.Scoring.TorchScoringEngine(lazy, null, 0);
        using var ort = new Nice.MLNet.Scoring.OrtScoringEngine(lazy, null, 1, () => torch);
        var rng = new Random(5);
        var x = Enumerable.Range(0, 150 * 200).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var (llTorch, llOrt) = (new float[150], new float[150]);
        torch.Score(x, 150, null, llTorch);
        ort.Score(x, 150, null, llOrt);
        OnnxAssert.Close(llTorch, llOrt, 1e-4, "log-likelihood, ONNX Runtime against TorchSharp");
    }

    [Fact]
    public void Read_RefusesFoldsThatAreNotFoldNumbers()
    {
        using var flow = RandomMixture(6);
        using (no_grad()) flow.Folds![2] = 7.5f;
        var bytes = NiceOnnx.ExportForward(flow, null, batched: true);
        var e = Assert.Throws<System.IO.InvalidDataException>(() => NiceOnnx.Read(bytes).Dispose());
        Assert.Contains("folds", e.Message);
    }

    [Fact]
    public void Sample_DrawsAroundTheTrainingRows_AndInverseIsRefusedWithAReason()
    {
        using var scope = NewDisposeScope();
        using var flow = RandomMixture(8);
        using var _ = no_grad();
        var draws = flow.Sample(400, temperature: 0, generator: new Generator(4));
        // At temperature 0 every draw is a training row plus q⁻¹(0): one of at most n points per kernel.
        var offsets = Enumerable.Range(0, K).Select(k => flow.Members[k].Inverse(zeros(1, D))).ToArray();
        var centres = flow.Centres!;
        for (int r = 0; r < 400; r += 37)
        {
            double nearest = Enumerable.Range(0, N).SelectMany(i => offsets.Select(o =>
                (draws[r] - centres[i] - o[0]).abs().max().item<float>())).Min();
            Assert.True(nearest < 1e-4, $"draw {r} is {nearest} from every row + q⁻¹(0)");
        }
        var e = Assert.Throws<NotSupportedException>(() => flow.Inverse(zeros(2, D)));
        Assert.Contains("Sample", e.Message);
    }
}
