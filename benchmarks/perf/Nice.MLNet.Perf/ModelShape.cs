using System.Collections.Generic;
using System.Linq;

namespace Nice.MLNet.Perf;

/// <summary>The benchmark model: D inputs, couplings × hidden layers × width (the paper's MNIST model by default).</summary>
public sealed record ModelShape(int Dimension, int Couplings, int HiddenLayers, int Width)
{
    public static ModelShape From(Args args) => new(
        args.Int("dim", 784), args.Int("couplings", 4), args.Int("hidden", 5), args.Int("width", 1000));

    public string[] ToArgs() => new[]
    {
        "--dim", Dimension.ToString(), "--couplings", Couplings.ToString(),
        "--hidden", HiddenLayers.ToString(), "--width", Width.ToString(),
    };

    /// <summary>(in, out) of every Linear layer, interleaved partition: coupling k conditions on the even (k even) or odd half.</summary>
    public IReadOnlyList<(int In, int Out)> Linears()
    {
        var list = new List<(int, int)>();
        int even = (Dimension + 1) / 2, odd = Dimension / 2;
        for (int k = 0; k < Couplings; k++)
        {
            int fanIn = k % 2 == 0 ? even : odd, outputs = k % 2 == 0 ? odd : even;
            for (int h = 0; h < HiddenLayers; h++) { list.Add((fanIn, Width)); fanIn = Width; }
            list.Add((fanIn, outputs));
        }
        return list;
    }

    /// <summary>Training FLOPs per sample: 3 GEMMs (forward, input gradient, weight gradient) of 2·in·out each, per Linear.</summary>
    public double TrainFlopsPerSample => Linears().Sum(l => 3 * 2.0 * l.In * l.Out);

    public override string ToString() => $"D = {Dimension}, {Couplings} couplings x {HiddenLayers} x {Width}";
}
