using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace Nice.MLNet.Tabular;

/// <summary>
/// One seeded split of a task, the rule baselines.py also implements: the 60% of the normal rows with the smallest key
/// splitmix64((s &lt;&lt; 32) | i) (i = index among the normal rows in file order) train; the test set is the other normal rows
/// and every anomaly, in file order. Features are standardized with the training rows' mean and population s.d. (a column
/// constant in training keeps s.d. 1). <see cref="Digest"/> identifies the training rows (baselines.py writes the same).
/// </summary>
public sealed record TabularSplit(int Seed, int[] TrainIndex, int[] TestIndex, float[][] Train, float[][] Test, float[] TestLabels,
    double[] Mean, double[] Sd)
{
    public const double TrainFraction = 0.6;

    public string Digest => Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(string.Join(",", TrainIndex))))
        .ToLowerInvariant()[..12];

    public int TestNormals => TestLabels.Count(l => l == 0);

    public static TabularSplit Make(TabularTask task, int seed)
    {
        var normal = Enumerable.Range(0, task.Rows.Length).Where(i => !task.Anomaly[i]).ToArray();
        var order = Enumerable.Range(0, normal.Length)
            .OrderBy(i => SplitMix64(((ulong)(uint)seed << 32) | (uint)i)).ThenBy(i => i).ToArray();
        int nTrain = (int)Math.Floor(TrainFraction * normal.Length);
        var inTrain = new bool[normal.Length];
        foreach (int i in order.Take(nTrain)) inTrain[i] = true;
        var train = Enumerable.Range(0, normal.Length).Where(i => inTrain[i]).Select(i => normal[i]).ToArray();
        var test = Enumerable.Range(0, normal.Length).Where(i => !inTrain[i]).Select(i => normal[i])
            .Concat(Enumerable.Range(0, task.Rows.Length).Where(i => task.Anomaly[i])).ToArray();
        int d = task.Dimension;
        var mean = new double[d];
        var sd = new double[d];
        for (int j = 0; j < d; j++)
        {
            mean[j] = train.Average(i => task.Rows[i][j]);
            sd[j] = Math.Sqrt(train.Average(i => (task.Rows[i][j] - mean[j]) * (task.Rows[i][j] - mean[j])));
            if (!(sd[j] > 0)) sd[j] = 1;
        }
        float[] Z(int i) => task.Rows[i].Select((v, j) => (float)((v - mean[j]) / sd[j])).ToArray();
        return new TabularSplit(seed, train, test, train.Select(Z).ToArray(), test.Select(Z).ToArray(),
            test.Select(i => task.Anomaly[i] ? 1f : 0f).ToArray(), mean, sd);
    }

    /// <summary>Steele, Lea &amp; Flood's SplitMix64 finalizer of x + golden gamma.</summary>
    public static ulong SplitMix64(ulong x)
    {
        ulong z = unchecked(x + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
