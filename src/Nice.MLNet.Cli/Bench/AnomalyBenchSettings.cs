namespace Nice.MLNet.Cli.Bench;

/// <summary>Settings shared by every split of one benchmark run.</summary>
public sealed record AnomalyBenchSettings(NiceOptions Nice, int ImageWidth, int PcaRank, int Seed);
