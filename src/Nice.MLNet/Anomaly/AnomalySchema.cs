using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Data;

namespace Nice.MLNet.Anomaly;

/// <summary>The column names a <see cref="NiceAnomalyDetector"/> reads and writes.</summary>
internal sealed record AnomalyColumns(string Features, string Score, string PredictedLabel);

/// <summary>
/// The input schema with Score (Single) and PredictedLabel (Boolean) appended. Output column i &lt; input.Count is input column i;
/// in the NICE transform's output (input, Latent, LogLikelihood) the log-likelihood is column input.Count + 1.
/// </summary>
internal sealed class AnomalySchema : IAppendedSchema
{
    public AnomalySchema(DataViewSchema input, AnomalyColumns columns, int dimension)
    {
        var (features, _) = InputColumn.Find(input, columns.Features, dimension);
        Input = input;
        Features = features;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumn(columns.Score, NumberDataViewType.Single);
        builder.AddColumn(columns.PredictedLabel, BooleanDataViewType.Instance);
        Schema = builder.ToSchema();
    }

    public DataViewSchema Input { get; }
    public DataViewSchema Schema { get; }
    public DataViewSchema.Column Features { get; }
    public int ScoreIndex => Input.Count;
    public int PredictedLabelIndex => Input.Count + 1;
    /// <summary>Index of LogLikelihood in the NICE transform's output of <see cref="Input"/>.</summary>
    public int LogLikelihoodIndex => Input.Count + 1;
}
