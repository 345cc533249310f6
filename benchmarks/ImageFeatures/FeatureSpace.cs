using System;
using System.Linq;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// Element-wise transforms of the 512 ResNet features before any model, fitted on the training rows only.
/// "raw": as they come (non-negative: global average pool of ReLU outputs, heavy right tails);
/// "std": per-dimension standardization; "sqrt": √x then standardization (tames the right tails).
/// </summary>
public sealed class FeatureSpace
{
    private readonly string kind;
    private readonly double[] mean, sd;

    public FeatureSpace(string kind, float[][] train)
    {
        if (kind is not ("raw" or "std" or "sqrt")) throw new ArgumentException($"--pre: '{kind}' is not raw, std or sqrt.");
        this.kind = kind;
        int d = train[0].Length;
        var t = train.Select(Shape).ToArray();
        mean = new double[d];
        sd = new double[d];
        for (int j = 0; j < d; j++)
        {
            mean[j] = t.Average(r => (double)r[j]);
            sd[j] = Math.Sqrt(t.Average(r => (r[j] - mean[j]) * (r[j] - mean[j])));
            if (!(sd[j] > 1e-6)) sd[j] = 1e-6;
        }
    }

    private float[] Shape(float[] r) => kind == "sqrt" ? r.Select(v => MathF.Sqrt(MathF.Max(v, 0))).ToArray() : r;

    public float[][] Apply(float[][] rows) => kind == "raw" ? rows
        : rows.Select(r => Shape(r).Select((v, j) => (float)((v - mean[j]) / sd[j])).ToArray()).ToArray();
}
