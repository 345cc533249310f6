using Nice.MLNet.Flow;

namespace Nice.MLNet;

/// <summary>
/// What a Fit trains: the flow's config, the engine's settings (held-out rows, noise) and the resolved options, made
/// from the options and a scan of the training rows. The anomaly detector uses it to score each training row with the
/// flow that did not train on it.
/// </summary>
internal sealed record NiceTrainingPlan(FlowConfig Config, TrainingSettings Settings, NiceResolvedOptions Resolved)
{
    /// <summary>The plan of <paramref name="options"/> on the rows of <paramref name="source"/> (one read of at most
    /// 10,000 rows).</summary>
    public static NiceTrainingPlan For(NiceOptions options, IRowSource source)
    {
        int d = source.Dimension;
        bool detect = options.DequantizationLevels == 0;
        var scan = ColumnScan.Read(source, shapes: detect, covariance: NiceDefaults.NeedsCovariance(options, d));
        var resolved = NiceDefaults.Resolve(options, scan);
        return new NiceTrainingPlan(options.ToFlowConfig(resolved),
            options.ToTrainingSettings(resolved, NiceDefaults.Noise(resolved, scan)), resolved);
    }

    /// <summary>The rows a single flow held out, and the folds of an ensemble (see
    /// <see cref="HeldOutRows"/>).</summary>
    public HeldOutRows HeldOut(int member = 0)
        => Config.Members is int k ? new HeldOutRows(Settings.Seed, 0, k, member) : Settings.HeldOut;
}
