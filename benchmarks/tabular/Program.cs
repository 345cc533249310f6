using System;
using Nice.MLNet.Tabular;

TorchSharp.torch.set_num_threads(Math.Max(1, int.TryParse(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), out int t) ? t : 1));
try
{
    return TabularBenchmark.Run(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
