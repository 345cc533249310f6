using System;
using System.Collections.Generic;
using Microsoft.ML;
using Nice.MLNet.Flow;
using Nice.MLNet.Tests.Flow;
using TorchSharp;
using Xunit;

namespace Nice.MLNet.Tests.MLNet;

/// <summary>
/// <c>NiceOptions.Threads</c> and the automatic policy: every core with passive OpenMP waiting, one thread for small
/// GEMMs where threads may spin; Fit sets libtorch's count for its own length and puts the caller's back; passive
/// waiting is set before libtorch loads unless the user chose a wait policy. Changes libtorch's process-wide count, so
/// it runs alone.
/// </summary>
[Collection(ProcessWideMeasurements.Name)]
public sealed class ThreadsTests
{
    [Fact]
    public void Automatic_IsEveryCore_WithPassiveWaiting_AndOneForSmallGemmsWhenThreadsMaySpin()
    {
        var tabular = TestConfig.Nice(9, Couplings: 4, HiddenLayers: 2, HiddenWidth: 64);
        var fashion = TestConfig.Nice(784, Couplings: 4, HiddenLayers: 3, HiddenWidth: 256);
        var paper = TestConfig.Nice(784);
        Assert.Equal(2.0 * 200 * 64 * 64, ThreadPolicy.LargestGemmFlops(tabular, 200));
        Assert.Equal(2.0 * 200 * 256 * 392, ThreadPolicy.LargestGemmFlops(fashion, 200));
        foreach (var config in new[] { tabular, fashion, paper })
            Assert.Equal(Environment.ProcessorCount, ThreadPolicy.ForTorch(0, config, 200, passive: true));
        Assert.Equal(1, ThreadPolicy.ForTorch(0, tabular, 200, passive: false));
        Assert.Equal(Environment.ProcessorCount, ThreadPolicy.ForTorch(0, fashion, 200, passive: false));
        Assert.Equal(Environment.ProcessorCount, ThreadPolicy.ForTorch(0, paper, 200, passive: false));
        Assert.Equal(3, ThreadPolicy.ForTorch(3, tabular, 200, passive: false));
        Assert.Equal(3, ThreadPolicy.ForTorch(3, paper, 200, passive: true));
        Assert.Equal(Environment.ProcessorCount, ThreadPolicy.ForOnnxRuntime(0));
        Assert.Equal(5, ThreadPolicy.ForOnnxRuntime(5));
        var lu = TestConfig.Nice(300, Couplings: 2, HiddenLayers: 1, HiddenWidth: 8, Mixing: NiceMixing.LU);
        Assert.Equal(2.0 * 200 * 300 * 300, ThreadPolicy.LargestGemmFlops(lu, 200));
        // A kernel mixture of the small table's size: 32 rows against 150 training rows are 4,800 rows through the nets.
        var kernel = tabular with { Members = 5, KernelRows = 150 };
        Assert.Equal(2.0 * 32 * 150 * 64 * 64, ThreadPolicy.LargestGemmFlops(kernel, 32));
        Assert.Equal(1, ThreadPolicy.ForTorch(0, tabular, 32, passive: false));
        Assert.Equal(Environment.ProcessorCount, ThreadPolicy.ForTorch(0, kernel, 32, passive: false));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]   // the policy's count for this model in this process
    [InlineData(3)]
    public void Fit_SetsLibTorchsThreadsWhileTraining_AndRestoresTheCallersCount(int requested)
    {
        var ml = new MLContext(1);
        var data = Fixtures.Data(ml, Fixtures.Correlated(200));
        var small = Fixtures.Small(epochs: 2);
        int expected = requested > 0 ? requested : ThreadPolicy.ForTorch(0, small.ToFlowConfig(4), small.BatchSize!.Value);
        int before = torch.get_num_threads();
        int callers = expected == 2 ? 3 : 2;
        torch.set_num_threads(callers);
        var during = new List<int>();
        try
        {
            var options = Fixtures.Small(epochs: 2);
            options.Threads = requested;
            options.Progress = _ => during.Add(torch.get_num_threads());
            using var model = ml.Transforms.Nice(options).Fit(data);
            Assert.Equal(new[] { expected, expected }, during);
            Assert.Equal(callers, torch.get_num_threads());
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    [Fact]
    public void PassiveWaiting_IsSetOnlyWhenTheUserChoseNothing_AndLibTorchIsNotLoaded()
    {
        static Func<string, string?> Env(params (string, string)[] set)
            => name => Array.Find(set, e => e.Item1 == name) is var (_, v) && v != null ? v : null;
        Assert.Equal(OpenMpWaitPolicy.Decision.Set, OpenMpWaitPolicy.Decide(Env(), () => false));
        Assert.Equal(OpenMpWaitPolicy.Decision.TooLate, OpenMpWaitPolicy.Decide(Env(), () => true));
        Assert.Equal(OpenMpWaitPolicy.Decision.UserChoice,
            OpenMpWaitPolicy.Decide(Env(("OMP_WAIT_POLICY", "ACTIVE")), () => false));
        Assert.Equal(OpenMpWaitPolicy.Decision.UserChoice,
            OpenMpWaitPolicy.Decide(Env(("GOMP_SPINCOUNT", "1000")), () => false));

        // Which case applies in this process depends on whether a test touched TorchSharp before the library; the
        // fresh-process check is ScoringWithoutLibTorchTests. Here: the decision was made, and acted on.
        Assert.NotEqual(OpenMpWaitPolicy.Decision.Failed, OpenMpWaitPolicy.Outcome);
        if (OpenMpWaitPolicy.Outcome == OpenMpWaitPolicy.Decision.Set)
            Assert.Equal("PASSIVE", NativeEnvironment.Get("OMP_WAIT_POLICY"));
        Assert.True(OpenMpWaitPolicy.OpenMpLoaded(), "libtorch is loaded in the test process by now");
    }
}
