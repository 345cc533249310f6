using TorchSharp;
using Xunit;

namespace Nice.MLNet.Tests.Bench;

/// <summary>The scoring benchmark's code path on a tiny model, so the command cannot rot.</summary>
public class BenchScoreSmokeTests
{
    [Fact]
    public void BenchScore_OnATinyModel_PrintsEveryPathAndTheMemoryReadings_AndRestoresTheThreadCount()
    {
        // One thread (never more: the count is process-wide and other tests run beside this one); the count before
        // must come back (with OMP_NUM_THREADS unset, as in CI, it is the number of cores).
        int before = torch.get_num_threads();
        const string threads = "1";

        var (code, text, error) = BenchHost.Run("bench-score", "--dim", "6", "--rows", "300", "--slow-rows", "30",
            "--width", "8",
            "--hidden", "1", "--memory-rows", "500", "--batch", "64", "--threads", threads);

        Assert.True(code == 0, text + error);
        Assert.Contains($"torch threads {threads}", text);
        foreach (var path in new[] { "raw batched forward", "IDataView "
            + "Transform", "PredictionEngine", "mlContext.Model.Load zip" })
            Assert.Contains(path, text);
        Assert.Contains("500 rows", text);
        Assert.DoesNotContain("NaN", text);
        Assert.Equal(before, torch.get_num_threads());
    }
}
