using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Tests.MLNet;
using Nice.MLNet.Anomaly;

namespace Nice.MLNet.Tests.Anomaly;

public sealed class AnomalyPrediction
{
    public float Score;
    public bool PredictedLabel;
}

public sealed class BoolLabelRow
{
    [VectorType(4)] public float[] Features = Array.Empty<float>();
    public bool Label;
}

internal static class AnomalyFixtures
{
    /// <summary>Small fast detector options on the correlated 4-D Gaussian.</summary>
    public static NiceAnomalyOptions Small(NiceAnomalyScore score = NiceAnomalyScore.Nll, double falsePositiveRate = 0.01, int epochs = 5) => new()
    {
        Nice = Fixtures.Small(epochs),
        Score = score,
        FalsePositiveRate = falsePositiveRate,
    };

    /// <summary>Normal rows (Label 0) from the training distribution followed by the same kind of rows shifted by +<paramref name="shift"/> in every coordinate (Label 1).</summary>
    public static VectorRow[] NormalThenShifted(int normal, int shifted, double shift, int seed)
    {
        var a = Fixtures.Correlated(normal, seed).Select(r => new VectorRow { Features = r.Features, Label = 0 });
        var b = Fixtures.Correlated(shifted, seed + 1000).Select(r => new VectorRow { Features = r.Features.Select(v => v + (float)shift).ToArray(), Label = 1 });
        return a.Concat(b).ToArray();
    }

    public static bool[] BoolColumn(IDataView view, string name) => view.GetColumn<bool>(name).ToArray();
}
