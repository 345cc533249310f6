using System;
using System.IO;
using Nice.MLNet.Cli;
using Nice.MLNet.Cli.Commands;
using Xunit;

namespace Nice.MLNet.Tests.Bench;

/// <summary>The scoring benchmark's code path on a tiny model, so the command cannot rot.</summary>
[Collection(nameof(QuickstartSmokeTests))]
public class BenchScoreSmokeTests
{
    [Fact]
    public void BenchScore_OnATinyModel_PrintsEveryPathAndTheMemoryReadings()
    {
        var previous = Console.Out;
        var writer = new StringWriter();
        Console.SetOut(writer);
        int rc;
        try
        {
            rc = new BenchScoreCommand().Run(new Args(new[] { "--dim", "6", "--rows", "300", "--slow-rows", "30", "--width", "8", "--hidden", "1", "--memory-rows", "500", "--batch", "64", "--threads", "1" }));
        }
        finally
        {
            Console.SetOut(previous);
        }
        string text = writer.ToString();
        Assert.Equal(0, rc);
        foreach (var path in new[] { "raw batched forward", "IDataView Transform", "PredictionEngine", "mlContext.Model.Load zip" })
            Assert.Contains(path, text);
        Assert.Contains("500 rows", text);
        Assert.DoesNotContain("NaN", text);
    }
}
