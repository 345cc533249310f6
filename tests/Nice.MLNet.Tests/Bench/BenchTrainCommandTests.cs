using Xunit;

namespace Nice.MLNet.Tests.Bench;

public class BenchTrainCommandTests
{
    [Fact]
    public void BenchTrain_OnATinyModel_PrintsRatesAndTheMatmulRatio()
    {
        var (code, output, error) = BenchHost.Run("bench-train", "--steps", "2", "--epochs", "2", "--width", "16",
            "--hidden", "1",
            "--couplings", "2", "--batch", "32", "--gemm-reps", "1", "--threads", "1");

        Assert.True(code == 0, output + error);
        Assert.Contains("cpu: ", output);
        Assert.Contains("torch threads: 1", output);
        Assert.Contains("samples/s", output);
        Assert.Contains("ratio training/matmul", output);
    }

    [Fact]
    public void BenchTrain_RejectsAnUnknownDataSet_InOneLine()
    {
        var (code, output, error) = BenchHost.Run("bench-train", "--data", "cifar");

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal("nice-bench bench-train: --data: 'cifar' is not one of random, fashion. (see: nice-bench "
            + "bench-train --help)", error.Trim());
    }
}
