using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Nice.MLNet.Tabular;

/// <summary>
/// One way of training NICE on a split, written as <c>name:key=value,key=value</c>. Keys (defaults in brackets):
/// <list type="bullet">
/// <item><c>mode</c> [flow]: <c>detector</c> = the library's anomaly trainer as a user calls it today (its own 10% validation
/// split, threshold on the training rows); <c>flow</c> = the prototype below, built on <c>mlContext.Transforms.Nice</c>.</item>
/// <item><c>preset</c> [none]: <c>default</c> = <c>new NiceOptions()</c> untouched (the library's data-fitted defaults);
/// <c>paper</c> = <c>NiceOptions.PaperMnist()</c>; with <c>preset=default</c> or <c>rule</c> the keys given override
/// single options (see <see cref="Overridden"/>);
/// <c>rule</c> = <see cref="DefaultRule"/> from rows and D; none = the keys below.</item>
/// <item><c>couplings</c> [4], <c>layers</c> [2], <c>width</c> [64], <c>epochs</c> [300], <c>patience</c> [30],
/// <c>batch</c> [32], <c>lr</c> [1e-3], <c>wd</c> [0]: the flow and its optimizer (epochs = passes over the original rows).</item>
/// <item><c>folds</c> [1]: F ≥ 2 = cross-fitted ensemble: model f trains on the other folds and early-stops on fold f; the
/// score is −log of the mean of the F densities (log-mean-exp); each training row's out-of-fold score calibrates.</item>
/// <item><c>seeds</c> [1]: models per fold, differing in seed (ensemble members = folds × seeds).</item>
/// <item><c>holdout</c> [0]: with one fold, the fraction of training rows held out for early stopping and calibration
/// (0 = the library's own 10% split and calibration on the training rows).</item>
/// <item><c>dq</c> [0]: copies K ≥ 1 of every row with uniform noise of its own step on discrete columns
/// (<see cref="ColumnKind"/>) — per-column dequantization; 0 = off.</item>
/// <item><c>jitter</c> [0]: c &gt; 0 adds Gaussian noise of s.d. c·n^(−1/(D+4)) (Scott's factor) to every column of the
/// training copies (smoothing, as a kernel density's bandwidth does); uses the <c>dq</c> copies (at least 4).</item>
/// <item><c>dropconst</c> [0]: 1 = leave out the columns constant on the training rows.</item>
/// <item><c>calib</c> [oof]: <c>oof</c> = out-of-fold scores, <c>train</c> = the ensemble's scores on the training rows.</item>
/// <item><c>scale</c> [1]: multiply the standardized features by this (the small-units check).</item>
/// </list>
/// </summary>
public sealed class NiceRecipe
{
    private readonly Dictionary<string, string> values;

    public string Name { get; }

    private NiceRecipe(string name, Dictionary<string, string> values)
    {
        Name = name;
        this.values = values;
    }

    public static NiceRecipe Parse(string text)
    {
        int colon = text.IndexOf(':');
        string name = colon < 0 ? text : text[..colon];
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (colon >= 0)
            foreach (var part in text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var kv = part.Split('=', 2);
                if (kv.Length != 2) throw new ArgumentException($"Recipe '{name}': '{part}' is not key=value.");
                values[kv[0]] = kv[1];
            }
        var recipe = new NiceRecipe(name, values);
        var known = new[] { "mode", "preset", "couplings", "layers", "width", "epochs", "patience", "batch", "lr", "wd", "folds",
            "seeds", "holdout", "dq", "jitter", "prior", "shape", "dropconst", "calib", "scale", "vfrac",
            "members", "smooth", "inorm", "detect", "clip",
            "coupling", "mixing", "whiten", "actnorm", "estop", "kernel" };
        foreach (var k in values.Keys)
            if (!known.Contains(k)) throw new ArgumentException($"Recipe '{name}': unknown key '{k}' (known: {string.Join(", ", known)}).");
        return recipe;
    }

    public string Text => Name + (values.Count == 0 ? "" : ":" + string.Join(",", values.Select(kv => $"{kv.Key}={kv.Value}")));

    public string Mode => Get("mode", "flow");
    public string Preset => Get("preset", "none");
    public int Couplings => Int("couplings", 4);
    public int Layers => Int("layers", 2);
    public int Width => Int("width", 64);
    public int Epochs => Int("epochs", 300);
    public int Patience => Int("patience", 30);
    public int Batch => Int("batch", 32);
    public double LearningRate => Double("lr", 1e-3);
    public double WeightDecay => Double("wd", 0);
    public int Folds => Int("folds", 1);
    public int Seeds => Int("seeds", 1);
    public double Holdout => Double("holdout", 0);
    public int Copies => Int("dq", 0);
    public double Jitter => Get("jitter", "0") == "auto" ? 0 : Double("jitter", 0);

    /// <summary><c>jitter=auto</c>: the proposed conditional rule — c = 0.5 with covariance shape when D ≤ n ≤ 1,000, else none.</summary>
    public bool AutoSmoothing => Get("jitter", "0") == "auto";

    /// <summary><c>shape=cov</c>: the smoothing noise has the training rows' covariance shape (c·h·L·z, LLᵀ = Σ + 1e-3·I), as
    /// multivariate Scott's rule H = h²Σ; otherwise isotropic in the standardized columns.</summary>
    public bool CovarianceShape => Get("shape", "iso") == "cov" || AutoSmoothing;
    public bool DropConstant => Int("dropconst", 0) != 0;
    public string Calibration => Get("calib", "oof");
    public double Scale => Double("scale", 1);
    public double ValidationFraction => Double("vfrac", 0.1);

    /// <summary>
    /// The options of one member model. <paramref name="rows"/> = original training rows it sees, <paramref name="d"/> = D.
    /// </summary>
    public NiceOptions Options(int rows, int d, int seed)
    {
        var options = BaseOptions(rows, d, seed);
        if (Get("prior", "logistic") == "gaussian") options.Prior = NicePrior.Gaussian;
        return options;
    }

    private NiceOptions BaseOptions(int rows, int d, int seed)
    {
        if (Preset == "default") return Overridden(new NiceOptions { Seed = seed });
        if (Preset == "paper")
        {
            var paper = NiceOptions.PaperMnist();
            paper.Seed = seed;
            return paper;
        }
        if (Preset == "rule") return Overridden(DefaultRule(rows, d, seed));
        return new NiceOptions
        {
            Couplings = Couplings, HiddenLayers = Layers, HiddenWidth = Width, Epochs = Epochs, EarlyStoppingPatience = Patience,
            BatchSize = Batch, LearningRate = LearningRate, WeightDecay = WeightDecay, Seed = seed,
        };
    }

    /// <summary>
    /// <c>preset=default</c> or <c>rule</c> with some options set: only the keys given override the preset (couplings, layers,
    /// width, epochs, patience, batch, lr, wd, vfrac, <c>members</c> = EnsembleMembers, <c>smooth</c> = Smoothing,
    /// <c>inorm</c> = InputNormalization 0/1, <c>detect</c> = DetectColumnKinds 0/1, <c>clip</c> = GradientClipNorm,
    /// <c>coupling</c>, <c>mixing</c>, <c>whiten</c> = the enums by name, <c>actnorm</c> 0/1, <c>estop</c> =
    /// EarlyStopping 0/1, <c>kernel</c> = KernelMixture 0/1).
    /// </summary>
    private NiceOptions Overridden(NiceOptions o)
    {
        if (values.ContainsKey("couplings")) o.Couplings = Couplings;
        if (values.ContainsKey("layers")) o.HiddenLayers = Layers;
        if (values.ContainsKey("width")) o.HiddenWidth = Width;
        if (values.ContainsKey("epochs")) o.Epochs = Epochs;
        if (values.ContainsKey("patience")) o.EarlyStoppingPatience = Patience;
        if (values.ContainsKey("batch")) o.BatchSize = Batch;
        if (values.ContainsKey("lr")) o.LearningRate = LearningRate;
        if (values.ContainsKey("wd")) o.WeightDecay = WeightDecay;
        if (values.ContainsKey("vfrac")) o.ValidationFraction = ValidationFraction;
        if (values.ContainsKey("members")) o.EnsembleMembers = Int("members", 1);
        if (values.ContainsKey("smooth")) o.Smoothing = Double("smooth", 0);
        if (values.ContainsKey("inorm")) o.InputNormalization = Int("inorm", 1) != 0;
        if (values.ContainsKey("detect")) o.DetectColumnKinds = Int("detect", 1) != 0;
        if (values.ContainsKey("clip")) o.GradientClipNorm = Double("clip", 0);
        if (values.ContainsKey("coupling")) o.Coupling = Enum.Parse<NiceCoupling>(Get("coupling", "Additive"), true);
        if (values.ContainsKey("mixing")) o.Mixing = Enum.Parse<NiceMixing>(Get("mixing", "None"), true);
        if (values.ContainsKey("whiten")) o.Whitening = Enum.Parse<NiceWhitening>(Get("whiten", "None"), true);
        if (values.ContainsKey("actnorm")) o.ActNorm = Int("actnorm", 0) != 0;
        if (values.ContainsKey("estop")) o.EarlyStopping = Int("estop", 1) != 0;
        if (values.ContainsKey("kernel")) o.KernelMixture = Int("kernel", 0) != 0;
        return o;
    }

    /// <summary>The candidate default rule for tables (see docs/tabular-design.md); only rows and D enter it.</summary>
    public static NiceOptions DefaultRule(int rows, int d, int seed)
    {
        int width = Math.Clamp(8 * d, 32, 128);
        int batch = Math.Clamp(rows / 10, 16, 256);
        return new NiceOptions
        {
            Couplings = 4, HiddenLayers = 2, HiddenWidth = width, Epochs = 300, EarlyStoppingPatience = 30,
            BatchSize = batch, Seed = seed,
        };
    }

    private string Get(string key, string fallback) => values.TryGetValue(key, out var v) ? v : fallback;

    private int Int(string key, int fallback) => values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private double Double(string key, double fallback)
        => values.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
