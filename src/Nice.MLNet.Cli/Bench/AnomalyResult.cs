using Nice.MLNet.Cli.Metrics;

namespace Nice.MLNet.Cli.Bench;

/// <summary>One method's result on one split: AUC, detection rate at 10 false positives, and the test false-positive
/// rate at the model's own threshold.</summary>
/// <remarks>AUC and the detection rate come from ML.NET's anomaly evaluator (<see cref="AnomalyRanking"/>).</remarks>
public sealed record AnomalyResult(string Method, double Auc, double DetectionRateAt10, double TestFalsePositiveRate);
