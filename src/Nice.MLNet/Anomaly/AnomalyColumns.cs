using System.Collections.Generic;
using Nice.MLNet.Mapping;

namespace Nice.MLNet.Anomaly;

/// <summary>The column names a <see cref="NiceAnomalyDetector"/> reads and writes, and the columns it
/// appends.</summary>
internal sealed record AnomalyColumns(string Features, string Score, string PredictedLabel)
{
    /// <summary>Score (Single) and PredictedLabel (Boolean), in that order.</summary>
    public IReadOnlyList<AppendedColumn> Appended()
        => new[] { AppendedColumn.Single(Score), AppendedColumn.Boolean(PredictedLabel) };
}
