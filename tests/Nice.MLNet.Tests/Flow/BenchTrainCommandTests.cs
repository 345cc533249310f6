using System;
using System.IO;
using Nice.MLNet.Cli;
using Nice.MLNet.Cli.Commands;
using Xunit;

namespace Nice.MLNet.Tests.Flow;

public class BenchTrainCommandTests
{
    [Fact]
    public void BenchTrain_OnATinyModel_PrintsRatesAndTheMatmulRatio()
    {
        var console = Console.Out;
        var text = new StringWriter();
        int code;
        try
        {
            Console.SetOut(text);
            code = new BenchTrainCommand().Run(new Args(new[] { "--steps", "2", "--epochs", "2", "--width", "16", "--hidden", "1", "--couplings", "2", "--batch", "32", "--gemm-reps", "1" }));
        }
        finally
        {
            Console.SetOut(console);
        }
        string output = text.ToString();
        Assert.Equal(0, code);
        Assert.Contains("cpu: ", output);
        Assert.Contains("torch threads: ", output);
        Assert.Contains("samples/s", output);
        Assert.Contains("ratio training/matmul", output);
    }

    [Fact]
    public void BenchTrain_RejectsAnUnknownDataSet()
        => Assert.Throws<ArgumentException>(() => new BenchTrainCommand().Run(new Args(new[] { "--data", "cifar" })));
}
