namespace Nice.MLNet.Anomaly;

/// <summary>How a detector's threshold was set: the fraction of the calibration rows it flags, how many rows, and
/// which (all empty after a threshold given by hand).</summary>
internal sealed record DetectorCalibration(double? Rate, int Rows, NiceCalibrationSource? Source)
{
    /// <summary>A threshold set by hand (<see cref="NiceAnomalyDetector.ChangeThreshold(float)"/>).</summary>
    public static DetectorCalibration None { get; } = new(null, 0, null);
}
