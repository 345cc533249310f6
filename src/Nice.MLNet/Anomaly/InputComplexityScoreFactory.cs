using System;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Nice.MLNet.Anomaly;

/// <summary>
/// The input-complexity score (<see cref="NiceAnomalyScore.InputComplexity"/>) in a saved model: from a row's values,
/// its NICE log-likelihood and the complexity coder's settings (a text column written by an ML.NET <c>Expression</c>
/// transform, so the stateless mapping gets the quantization grid, compressor and image width from the saved model
/// itself), computes S(x) = bits/dim(x) − L(x)/D. Public because ML.NET loads it by name from the model zip
/// (<c>CustomMappingFactoryAttribute</c>); not meant to be used directly.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class InputComplexityScoreFactory : CustomMappingFactory<InputComplexityScoreFactory.Input,
    InputComplexityScoreFactory.Output>
{
    /// <summary>The contract name recorded in model zips.</summary>
    public const string ContractName = "Nice.MLNet.InputComplexityScore.v1";
    internal const string FeaturesColumn = "NiceComplexityFeatures",
        LogLikelihoodColumn = "NiceComplexityLogLikelihood",
        CoderColumn = "NiceComplexityCoder", ScoreColumn = "NiceComplexityScore";

    /// <summary>What the mapping reads.</summary>
    public sealed class Input
    {
        /// <summary>The row's values.</summary>
        [ColumnName(FeaturesColumn)] public float[] Features { get; set; } = Array.Empty<float>();
        /// <summary>log p(x) in nats.</summary>
        [ColumnName(LogLikelihoodColumn)] public float LogLikelihood { get; set; }
        /// <summary>The coder's settings as text (quantization grid, compressor, image width, the model's
        /// levels).</summary>
        [ColumnName(CoderColumn)] public string Coder { get; set; } = "";
    }

    /// <summary>What the mapping writes.</summary>
    public sealed class Output
    {
        /// <summary>The input-complexity score.</summary>
        [ColumnName(ScoreColumn)] public float Score { get; set; }
    }

    /// <inheritdoc/>
    public override Action<Input, Output> GetMapping() => Map;

    internal static void Map(Input input, Output output)
    {
        // NaN log-likelihood = a row with NaN or ±∞ values: +∞, as AnomalyScorer gives in memory.
        output.Score = float.IsNaN(input.LogLikelihood)
            ? float.PositiveInfinity
            : InputComplexity.Parse(input.Coder).Score(input.LogLikelihood, input.Features);
    }
}
