namespace Nice.MLNet.Anomaly;

/// <summary>Which rows set a <see cref="NiceAnomalyDetector"/>'s threshold
/// (<see cref="NiceAnomalyDetector.CalibrationSource"/>).</summary>
public enum NiceCalibrationSource
{
    /// <summary>Every training row, each scored by the ensemble member that did not train on it (its fold's): rows
    /// the scoring model never saw.</summary>
    OutOfFold,

    /// <summary>The training rows a single flow held out (<see cref="NiceOptions.ValidationFraction"/>).</summary>
    Holdout,

    /// <summary>The training rows themselves (a single flow that held out none): a flow fits its training rows more
    /// closely than new ones, so new normal rows are flagged more often than the requested rate.</summary>
    TrainingRows,

    /// <summary>Rows given to <see cref="NiceAnomalyDetector.ChangeThreshold(Microsoft.ML.IDataView, double)"/> or
    /// <see cref="NiceAnomalyDetector.ChangeScore"/>.</summary>
    GivenRows,
}
