using System.Linq;
using Nice.MLNet.Flow;
using Xunit;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>Which epoch a fit keeps (<see cref="BestEpoch"/>, shared by the flows' and the kernel mixture's
/// training).</summary>
public class BestEpochTests
{
    private static NiceFlow NewFlow() => TrainerBehaviourTests.NewFlow(TestConfig.Nice(4, 2, 1, 8), 3);

    private static TrainingSettings Settings(bool keepBest = true, int patience = 2)
        => new NiceOptions().ToTrainingSettings() with { KeepBestEpoch = keepBest, EarlyStoppingPatience = patience };

    /// <summary>Marks the flow's weights with <paramref name="value"/> (the scaling's first log-scale).</summary>
    private static void Mark(NiceFlow flow, float value)
    {
        using var _ = no_grad();
        flow.Scaling.LogScale[0] = value;
    }

    private static float MarkOf(NiceFlow flow) => flow.Scaling.LogScale[0].item<float>();

    [Fact]
    public void ANaNHeldOutNll_IsNeverKept_AndCountsTowardPatience()
    {
        using var flow = NewFlow();
        using var best = new BestEpoch(flow, Settings());
        Mark(flow, 1);
        Assert.True(best.Offer(5.0));
        Mark(flow, 2);
        Assert.False(best.Offer(double.NaN));
        Assert.False(best.PatienceRanOut);
        Mark(flow, 3);
        Assert.True(best.Offer(4.0));   // a NaN does not stop a later, lower NLL from being kept
        Mark(flow, 4);
        Assert.False(best.Offer(double.NaN));
        Mark(flow, 5);
        Assert.False(best.Offer(4.0));  // equal is not lower
        Assert.True(best.PatienceRanOut);
        best.Restore();
        Assert.Equal(3f, MarkOf(flow));
    }

    [Fact]
    public void WithoutKeepBestEpoch_TheLastEpochIsKept_AndPatienceNeverRunsOut()
    {
        using var flow = NewFlow();
        using var best = new BestEpoch(flow, Settings(keepBest: false, patience: 1));
        foreach (var (mark, nll) in new[] { (1f, 3.0), (2f, 9.0), (3f, double.NaN) })
        {
            Mark(flow, mark);
            Assert.True(best.Offer(nll));
        }
        Assert.False(best.PatienceRanOut);
        Mark(flow, 7);
        best.Restore();
        Assert.Equal(3f, MarkOf(flow));
    }

    [Fact]
    public void WithNoHeldOutRows_EveryEpochIsKept()
    {
        using var flow = NewFlow();
        using var best = new BestEpoch(flow, Settings());
        Mark(flow, 1);
        Assert.True(best.Offer(2.0));
        Mark(flow, 2);
        Assert.True(best.Offer(null));
        Mark(flow, 9);
        best.Restore();
        Assert.Equal(2f, MarkOf(flow));
        Assert.False(best.PatienceRanOut);
    }
}
