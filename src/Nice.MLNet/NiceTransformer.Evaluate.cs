using System;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Data;
using TorchSharp;

namespace Nice.MLNet;

/// <summary>Mean log-likelihood of a data set under a NICE model, in the literature's units.</summary>
/// <param name="LogLikelihood">Mean log p(x) in nats per row (with dequantization: a density on [0,1]ᴰ, the paper's convention).</param>
/// <param name="StandardError">Standard error of that mean over rows.</param>
/// <param name="BitsPerDim">The mean in bits per dimension (on the [0, L) scale with dequantization).</param>
/// <param name="Rows">Rows evaluated (rows with NaN/infinity are not counted).</param>
public sealed record NiceDensityMetrics(double LogLikelihood, double StandardError, double BitsPerDim, long Rows);

public sealed partial class NiceTransformer
{
    /// <summary>
    /// Mean log-likelihood of <paramref name="data"/>'s input column. With dequantization this draws u ~ U(0,1) per value
    /// (seeded), as the NICE paper and the bits/dim literature do; <see cref="Transform"/> instead scores at the bin centre
    /// u = ½ so each row's score is deterministic, which gives somewhat higher values on data with few levels.
    /// </summary>
    public NiceDensityMetrics Evaluate(IDataView data, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (column, d) = InputColumn.Find(data.Schema, columns.Input, Dimension);
        using var generator = dequantization is null ? null : new torch.Generator((ulong)(uint)seed);
        int batch = ScoringBatchSize;
        var input = new float[batch * d];
        var ll = new float[batch];
        double sum = 0, sumSq = 0;
        long n = 0;
        VBuffer<float> row = default;
        using var cursor = data.GetRowCursor(new[] { column });
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        bool more = true;
        while (more)
        {
            int count = 0;
            while (count < batch && (more = cursor.MoveNext()))
            {
                getter(ref row);
                row.CopyTo(input, count++ * d);
            }
            scorer.Score(input, count, null, ll, generator);
            for (int i = 0; i < count; i++)
                if (float.IsFinite(ll[i])) { sum += ll[i]; sumSq += (double)ll[i] * ll[i]; n++; }
        }
        if (n == 0) throw new InvalidOperationException($"No finite rows to evaluate in column '{columns.Input}'.");
        double mean = sum / n;
        double se = n > 1 ? Math.Sqrt(Math.Max(0, sumSq / n - mean * mean) / (n - 1)) : double.NaN;
        return new NiceDensityMetrics(mean, se, BitsPerDim(mean), n);
    }
}
