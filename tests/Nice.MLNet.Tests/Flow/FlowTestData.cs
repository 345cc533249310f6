using System;
using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests.Flow;

/// <summary>Synthetic data with known densities for the engine's statistical tests.</summary>
internal static class FlowTestData
{
    /// <summary>
    /// n rows [n, D] (float64) whose covariance spectrum decays like i^(−1.5), as pretrained image features' does:
    /// standard normals scaled by i^(−0.75), rotated by a random orthogonal matrix, shifted by 3.
    /// </summary>
    public static Tensor DecayingSpectrumRows(int n, int d, int seed)
    {
        var g = new Generator((ulong)seed);
        var rotation = linalg.qr(randn(new long[] { d, d }, generator: g, dtype: ScalarType.Float64)).Q;
        var scales = arange(1, d + 1, dtype: ScalarType.Float64).pow(-0.75);
        return (randn(new long[] { n, d }, generator: g, dtype: ScalarType.Float64) * scales).mm(rotation.t()) + 3;
    }

    /// <summary>
    /// The "banana": x₁ ~ N(0, 1), x₂ | x₁ ~ N(a·x₁², σ²). Its density is known in closed form,
    /// log p(x) = log N(x₁; 0, 1) + log N(x₂ − a·x₁²; 0, σ²), and so is its differential entropy,
    /// H = ½·log(2πe) + ½·log(2πe·σ²) (the chain rule: H(X₁) + H(X₂ | X₁), and H(X₂ | X₁ = t) does not depend on t).
    /// A NICE flow with a Gaussian prior can represent it exactly (one coupling x₂ − a·x₁², then a scaling by 1/σ),
    /// so a trained model's held-out NLL must approach H — and can fall below it only if the model's density
    /// does not integrate to one.
    /// </summary>
    public sealed record Banana(double A = 0.5, double Sigma = 0.5)
    {
        public double Entropy => 0.5 * Math.Log(2 * Math.PI * Math.E) + 0.5 * Math.Log(2 * Math.PI * Math.E * Sigma * Sigma);

        /// <summary>n rows of (x₁, x₂), row-major.</summary>
        public float[] Sample(int n, int seed)
        {
            var random = new Random(seed);
            var x = new float[2 * n];
            for (int i = 0; i < n; i++)
            {
                double h1 = Normal(random), h2 = Normal(random);
                x[2 * i] = (float)h1;
                x[2 * i + 1] = (float)(A * h1 * h1 + Sigma * h2);
            }
            return x;
        }

        /// <summary>The true log-density of each row, in double precision.</summary>
        public double[] LogDensity(float[] x)
        {
            var result = new double[x.Length / 2];
            for (int i = 0; i < result.Length; i++)
            {
                double x1 = x[2 * i], r = (x[2 * i + 1] - A * x1 * x1) / Sigma;
                result[i] = -0.5 * x1 * x1 - 0.5 * r * r - Math.Log(2 * Math.PI) - Math.Log(Sigma);
            }
            return result;
        }
    }

    /// <summary>A standard normal draw (Box–Muller).</summary>
    public static double Normal(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Mean and standard error of a sample.</summary>
    public static (double Mean, double StandardError) MeanAndError(double[] values)
    {
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        return (mean, Math.Sqrt(variance / values.Length));
    }

    /// <summary>Per-row −log p(x) of the flow on the given rows (no gradient, in batches), as doubles.</summary>
    public static double[] NegativeLogLikelihood(NiceFlow flow, float[] rows, int dimension)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        flow.eval();
        var x = tensor(rows, new long[] { rows.Length / dimension, dimension });
        var chunks = x.split(65536);
        var nll = cat(chunks.Select(c => -flow.LogLikelihood(c)).ToArray(), 0).to(ScalarType.Float64);
        return nll.data<double>().ToArray();
    }
}
