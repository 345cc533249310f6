using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace Nice.MLNet;

/// <summary>
/// What a model file records about the ML.NET face, beside the flow itself: column names, scoring batch size, training
/// history (metadata entries of the flow's ONNX graph).
/// </summary>
internal static class NiceModelMetadata
{
    private const string Input = "mlnet.input", Latent = "mlnet.latent", LogLikelihood = "mlnet.loglikelihood",
        Batch = "mlnet.scoringBatchSize", Summary = "mlnet.trainingSummary";

    public static IReadOnlyDictionary<string, string> Write(NiceTransformer model)
    {
        var m = new Dictionary<string, string>
        {
            [Input] = model.InputColumnName, [Latent] = model.LatentColumnName,
                [LogLikelihood] = model.LogLikelihoodColumnName,
            [Batch] = model.ScoringBatchSize.ToString(CultureInfo.InvariantCulture),
        };
        if (model.TrainingSummary is { } s) m[Summary] = JsonSerializer.Serialize(s);
        return m;
    }

    public static (NiceColumns Columns, int ScoringBatchSize, NiceTrainingSummary? Summary) Read(
        IReadOnlyDictionary<string, string> m, string source)
    {
        string Get(string key) => m.TryGetValue(key, out var v) && v.Length > 0
            ? v
            : throw new System.IO.InvalidDataException(
                $"{source}: the NICE model has no '{key}' entry; it was not written by Nice.MLNet's NiceTransformer.");
        var columns = new NiceColumns(Get(Input), Get(Latent), Get(LogLikelihood));
        int batch = int.TryParse(Get(Batch), NumberStyles.Integer, CultureInfo.InvariantCulture, out var b)
            && b > 0 && b <= NiceDefaults.MaxScoringBatchSize
            ? b : throw new System.IO.InvalidDataException($"{source}: invalid scoring batch size '{m[Batch]}'.");
        NiceTrainingSummary? summary = null;
        if (m.TryGetValue(Summary, out var json))
        {
            try { summary = JsonSerializer.Deserialize<NiceTrainingSummary>(json); }
            catch (JsonException) { summary = null; }
        }
        return (columns, batch, summary);
    }
}
