using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Nice.MLNet.Flow;

namespace Nice.MLNet;

/// <summary>
/// Options of <see cref="NiceEstimator"/>: the NICE architecture (Dinh, Krueger &amp; Bengio, arXiv:1410.8516),
/// its maximum-likelihood training, and the columns it reads and writes. Every property says its default, valid range
/// and the paper's value. The sizes left unset (null) are chosen at Fit from the training data by the rule below;
/// <see cref="PaperMnist"/> gives the paper's MNIST model instead.
/// </summary>
/// <remarks>
/// <para><b>The default rule.</b> With n training rows (at most the first 10,000 are read to decide) and D columns,
/// each option left null becomes:</para>
/// <list type="bullet">
/// <item><see cref="HiddenLayers"/> 2 and <see cref="HiddenWidth"/> clamp(8·D, 32, 128) (with <see cref="Couplings"/>
/// 4: the paper's 5 × 1000 model stops improving after a few epochs on tables and only overfits sooner);</item>
/// <item><see cref="BatchSize"/> clamp(n/10, 16, 256), about ten steps per epoch;</item>
/// <item><see cref="EnsembleMembers"/>: 5 when 20 ≤ n ≤ 2,000 (small data: five flows cross-fitted on five folds, each
/// keeping its best epoch on its own fold, their densities averaged), else 1 with <see cref="ValidationFraction"/>
/// 0.1;</item>
/// <item><see cref="Epochs"/> max(300, ⌈3,000 / steps per epoch⌉), at most 3,000, and
/// <see cref="EarlyStoppingPatience"/> max(30, ⌈300 / steps per epoch⌉) — at least 3,000 optimizer steps for tiny
/// data; <see cref="EarlyStopping"/> on, except for flows with fewer rows than columns (n &lt; D), where every flow
/// trains all its epochs and keeps the last;</item>
/// <item><see cref="KernelMixture"/> on when there are fewer rows than columns (n &lt; D) and 20 ≤ n ≤ 2,000: one
/// kernel, a small NICE flow, on every training row instead of flows (kernel nets 2 × 64, batch 32, at most 200
/// epochs, patience 20 on the out-of-fold NLL of every row);</item>
/// <item><see cref="InputNormalization"/> on, <see cref="DetectColumnKinds"/> on, and <see cref="Smoothing"/> 0.5 when
/// D ≤ n ≤ 1,000 (0 otherwise).</item>
/// </list>
/// <para>Quantized data (<see cref="DequantizationLevels"/> set, e.g. images) do not use the rule: their unset options
/// keep the earlier defaults — the paper's 4 × 5 × 1000 couplings, ≤ 100 epochs of batch 200, patience 10, one flow
/// with 10% held out, no input normalization, smoothing or column detection. The rule was measured on tables; on
/// Fashion-MNIST only two classes were checked, too few to change the image defaults.</para>
/// <para><see cref="NiceTrainingSummary.Resolved"/> reports what a Fit chose. The evidence behind each choice is in
/// docs/tabular-design.md.</para>
/// </remarks>
public sealed class NiceOptions
{
    /// <summary>Input column: a known-size vector of <see cref="float"/> with D ≥ 2. Default "Features".</summary>
    public string InputColumnName { get; set; } = NiceDefaults.InputColumnName;

    /// <summary>Output column for the latent code h = f(x): vector of D floats. Default "Latent".</summary>
    public string LatentColumnName { get; set; } = NiceDefaults.LatentColumnName;

    /// <summary>Output column for log p(x) in nats (see <see cref="DequantizationLevels"/> for the convention). Default
    /// "LogLikelihood".</summary>
    public string LogLikelihoodColumnName { get; set; } = NiceDefaults.LogLikelihoodColumnName;

    /// <summary>Number of coupling layers, ≥ 1 (≥ 0 with <see cref="Whitening"/>). Default 4 (the paper: 4).</summary>
    public int Couplings { get; set; } = NiceDefaults.Couplings;

    /// <summary>Hidden layers of each coupling MLP, ≥ 1. Default null = the rule: 2 (the paper's MNIST model:
    /// 5).</summary>
    public int? HiddenLayers { get; set; }

    /// <summary>Units per hidden layer, ≥ 1. Default null = the rule: clamp(8·D, 32, 128) (the paper's MNIST model:
    /// 1000).</summary>
    public int? HiddenWidth { get; set; }

    /// <summary>Non-linearity of the coupling MLPs. Default <see cref="NiceActivation.ReLU"/> (the paper's).</summary>
    public NiceActivation Activation { get; set; } = NiceDefaults.Activation;

    /// <summary>How couplings split the input. Default <see cref="NicePartition.Interleaved"/> (odd/even, the
    /// paper's).</summary>
    public NicePartition Partition { get; set; } = NiceDefaults.Partition;

    /// <summary>Factorized prior of the latent code. Default <see cref="NicePrior.Logistic"/> (the paper's choice for
    /// MNIST).</summary>
    public NicePrior Prior { get; set; } = NiceDefaults.Prior;

    /// <summary>
    /// The coupling layers' update of x₂. Default <see cref="NiceCoupling.Additive"/>: NICE's y₂ = x₂ + m(x₁), volume
    /// preserving (Dinh, Krueger &amp; Bengio 2014). <see cref="NiceCoupling.Affine"/>: RealNVP's y₂ = x₂ ⊙ exp(a(x₁))
    /// + t(x₁) with a bounded log-scale a = c ⊙ tanh(â) (Dinh, Sohl-Dickstein &amp; Bengio, ICLR 2017); doubles the
    /// output layer of each coupling network.
    /// </summary>
    public NiceCoupling Coupling { get; set; } = NiceDefaults.Coupling;

    /// <summary>
    /// An invertible linear mixing between consecutive couplings (Couplings − 1 of them). Default
    /// <see cref="NiceMixing.None"/> (NICE: the couplings only alternate their partitions).
    /// <see cref="NiceMixing.Permutation"/>: a fixed random permutation. <see cref="NiceMixing.LU"/>: a learned matrix
    /// in Glow's LU form (Kingma &amp; Dhariwal, NeurIPS 2018), D² parameters each, starting as a fixed permutation
    /// (the same for every model of that D and layer position, not drawn with <see cref="Seed"/>): L = I, U = 0, s = 1.
    /// </summary>
    public NiceMixing Mixing { get; set; } = NiceDefaults.Mixing;

    /// <summary>
    /// Put Glow's activation normalization y = (x + b) ⊙ exp(logs) before each coupling (Kingma &amp; Dhariwal, NeurIPS
    /// 2018). Default false (NICE has none). With <see cref="DataDependentInit"/> each starts by standardizing the
    /// training rows it sees; without it, it starts as the identity.
    /// </summary>
    public bool ActNorm { get; set; } = NiceDefaults.ActNorm;

    /// <summary>
    /// A fixed affine first layer y = W(x − μ) set from every training row before training (never trained). Default
    /// <see cref="NiceWhitening.None"/> (NICE has none). <see cref="NiceWhitening.Diagonal"/> standardizes each
    /// feature; <see cref="NiceWhitening.Full"/> whitens with the Cholesky factor of the covariance shrunk toward a
    /// scaled identity (<see cref="WhiteningShrinkage"/>). The flow then starts at that Gaussian: every other layer
    /// starts as the identity, s at the prior's scale, and training keeps the start (reported as epoch 0) unless an
    /// epoch beats it on the validation rows. With <see cref="Couplings"/> = 0 nothing is trained: Couplings = 0,
    /// Whitening = Full, Prior = Gaussian is the shrunk full-covariance Gaussian (−log p ranks like the Mahalanobis
    /// distance). Saved models that use it need Nice.MLNet with this option (ONNX format "1.3").
    /// </summary>
    public NiceWhitening Whitening { get; set; } = NiceDefaults.Whitening;

    /// <summary>
    /// The shrinkage α of <see cref="NiceWhitening.Full"/> whitening, Σ = (1 − α) S + α (tr S / D) I, in [0, 1].
    /// Default null: Ledoit &amp; Wolf's (2004) estimate of the best α for the training rows (near 0 when rows are
    /// many per dimension, larger when few; it keeps Σ invertible when there are fewer rows than dimensions).
    /// </summary>
    public double? WhiteningShrinkage { get; set; }

    /// <summary>
    /// With <see cref="NiceWhitening.Full"/>: k ≥ 1 whitens with the probabilistic-PCA covariance (Tipping &amp; Bishop
    /// 1999) instead of the shrunk one: Σ = Vₖ Λₖ Vₖᵀ + σ² (I − Vₖ Vₖᵀ), the k leading eigenpairs (Vₖ, Λₖ) of the
    /// sample covariance S kept and the rest of its spectrum replaced by its mean σ² (k is capped at D − 1 and at
    /// a tenth of the training rows, so each kept variance is estimated from at least ten rows;
    /// <see cref="WhiteningShrinkage"/> is then not used). It keeps Σ invertible with fewer rows than dimensions and,
    /// unlike shrinkage toward a scaled identity, leaves the leading directions' variances as measured. The layer
    /// stores W = Σ^(−½) = s I + V diag(g) Vᵀ with V the min(k, D − 1) leading eigenvectors: D·k values instead of D²
    /// (6.8 MB instead of 177 MB at D = 6,656, k = 256) and 2·D·k multiply-adds a row instead of D². The fit needs
    /// only S's k leading eigenpairs and its trace; from D = 1,024 on they come from subspace iteration, with an
    /// exact eigendecomposition when it does not converge (6,000 rows at D = 6,656, k = 256: 26 s instead of 87 s on
    /// one core of a 2-vCPU Xeon). Default null (shrinkage). Saved models that use it need Nice.MLNet with the
    /// low-rank whitening (ONNX format "1.4").
    /// </summary>
    public int? WhiteningRank { get; set; }

    /// <summary>
    /// The radial flow (with <see cref="Whitening"/> = Full and a <see cref="WhiteningRank"/> R): the couplings act on
    /// the R leading whitened coordinates z and on t = log‖r‖, the length of the residual r off them, whose direction
    /// keeps the Gaussian's; the residual's m = D − R dimensions enter through m·t, so log p(x) stays exact:
    /// log p(x) = log q(z, t) − m·t + const. It starts at the whitening's Gaussian with t's spread fitted to the
    /// training rows. Made for pretrained image features, whose anomaly score the residual decides
    /// (docs/image-features-design.md §15; <c>NiceImageFeatureOptions.RadialDetector</c>). Needs additive couplings,
    /// the Gaussian prior, no mixing, actnorm or input normalization. Default false.
    /// </summary>
    public bool RadialFlow { get; set; }

    /// <summary>
    /// Put a learned per-dimension affine map y = x ⊙ exp(a) + b below the couplings, started so that it standardizes
    /// the training rows (Glow's actnorm with the bias after the scale). Its steps mean the same in any units, so data
    /// in small or large units (× 10⁻⁵, × 10⁵) train like unit-scale data; log p(x) stays the density of x itself.
    /// Default null = the rule: on, except with <see cref="DequantizationLevels"/> (the paper's model has none) or
    /// <see cref="Whitening"/> (which already starts the flow at the data's scale).
    /// </summary>
    public bool? InputNormalization { get; set; }

    /// <summary>
    /// Flows in a cross-fitted ensemble, in [1, 64]: the rows fall into K folds (a seeded hash of the row index); flow
    /// k trains on the other folds and keeps its best epoch on fold k, so every row decides once and no decision rests
    /// on a dozen rows; the model's density is the flows' mean, log p(x) = log((1/K) Σₖ pₖ(x)), one model in one file.
    /// Its latent code, <c>Inverse</c> and <c>Encode</c> are flow 0's; <c>Sample</c> draws from the mixture. Default
    /// null = the rule: 5 when there are 20 to 2,000 training rows, else 1 (one flow, <see cref="ValidationFraction"/>
    /// held out). Training takes K times as long.
    /// </summary>
    public int? EnsembleMembers { get; set; }

    /// <summary>
    /// Model the data as a kernel mixture instead of flows: one kernel on every training row,
    /// p(x) = (1/K) Σₖ (1/nₖ) Σ_{i ∉ fold k} qₖ(x − xᵢ), each kernel qₖ a NICE flow (<see cref="Couplings"/> additive
    /// couplings, nets of <see cref="HiddenLayers"/> × <see cref="HiddenWidth"/>, a diagonal scaling, the Gaussian
    /// prior whatever <see cref="Prior"/> says) placed on the rows outside fold k of the K =
    /// <see cref="EnsembleMembers"/> folds. Each kernel starts as the Gaussian kernel of Scott's bandwidth on
    /// standardized columns and is fitted by the leave-one-out likelihood; the epoch kept is the one whose out-of-fold
    /// NLL over every training row is best. The model holds its training rows (saved in the model file); scoring a row
    /// costs K·n kernel evaluations; the latent code is kernel 0's code of x − xᵢ under the row xᵢ whose kernel gives x
    /// the highest density, and there is no <c>Inverse</c> of a code (<c>Sample</c> is exact). Default null = the
    /// rule: on when there are fewer training rows than columns (n &lt; D) and an ensemble (20 ≤ n ≤ 2,000), where a
    /// flow cannot be estimated and a density with a component on every row ranks new rows best
    /// (docs/tabular-design.md). Its unset sizes are then 2 × 64 nets, batch 32, at most 200 epochs, patience 20, no
    /// input normalization. Not with <see cref="DequantizationLevels"/> or <see cref="Whitening"/>; at most 9,999 rows.
    /// </summary>
    public bool? KernelMixture { get; set; }

    /// <summary>
    /// Smoothing factor c ≥ 0: in training every row gets fresh Gaussian noise with the training rows' covariance Σ̂
    /// (plus 10⁻³ of its mean variance on the diagonal) scaled by (c·n^(−1/(D+4)))² — Scott's bandwidth rule of a
    /// kernel density, shaped like the data so thin correlated directions are kept. 0 = none. Default null = the rule:
    /// 0.5 when D ≤ n ≤ 1,000 and the data are not quantized, else 0 (with fewer rows than columns, or many rows, it
    /// cost accuracy).
    /// </summary>
    public double? Smoothing { get; set; }

    /// <summary>
    /// Detect the columns' kinds from the training rows (<see cref="NiceColumnKind"/>): discrete columns (integers, a
    /// grid of values) and constant ones get dequantization noise of their step in training. Default null = on, except
    /// with <see cref="DequantizationLevels"/> (which dequantizes every column already); false = every column
    /// continuous unless <see cref="ColumnKinds"/> says otherwise.
    /// </summary>
    public bool? DetectColumnKinds { get; set; }

    /// <summary>
    /// Per-column overrides of the detected kinds, by slot index in [0, D): e.g.
    /// <c>new Dictionary&lt;int, NiceColumnKind&gt; { [3] = NiceColumnKind.Continuous,
    /// [7] = NiceColumnKind.Discrete(0.5) }</c>.
    /// Only <see cref="NiceColumnKind.Continuous"/> and <see cref="NiceColumnKind.Discrete"/> may be given (constant
    /// columns are what the data show). Not with <see cref="DequantizationLevels"/>. Default null.
    /// </summary>
    public IReadOnlyDictionary<int, NiceColumnKind>? ColumnKinds { get; set; }

    /// <summary>Maximum passes over the training rows, ≥ 1. Default null = the rule: max(300, ⌈3,000 / steps per
    /// epoch⌉), at most 3,000 (the paper trained up to 1,500 and kept the best validation model).</summary>
    public int? Epochs { get; set; }

    /// <summary>Rows per mini-batch, ≥ 1. Default null = the rule: clamp(n/10, 16, 256) (the paper's released code:
    /// 200).</summary>
    public int? BatchSize { get; set; }

    /// <summary>Adam learning rate, &gt; 0. Default 1e-3 (the paper's).</summary>
    public double LearningRate { get; set; } = NiceDefaults.LearningRate;

    /// <summary>Adam β₁ in [0, 1). Default 0.9 (the paper's "momentum 0.9").</summary>
    public double Beta1 { get; set; } = NiceDefaults.Beta1;

    /// <summary>Adam β₂ in [0, 1). Default 0.99 (the paper writes β₂ = 0.01 in the early convention where that is 1 −
    /// β₂).</summary>
    public double Beta2 { get; set; } = NiceDefaults.Beta2;

    /// <summary>Adam ε, &gt; 0. Default 1e-4 (the paper's δ).</summary>
    public double AdamEpsilon { get; set; } = NiceDefaults.AdamEpsilon;

    /// <summary>L2 weight decay, ≥ 0. Default 0.</summary>
    public double WeightDecay { get; set; } = NiceDefaults.WeightDecay;

    /// <summary>Clip the gradient's global L2 norm to this value; 0 = off (default; the paper does not clip).</summary>
    public double GradientClipNorm { get; set; } = NiceDefaults.GradientClipNorm;

    /// <summary>Fraction of rows held out (by a seeded hash of the row index) to pick the best epoch of a single flow,
    /// in [0, 1); an ensemble holds out one fold per member instead. Default null = 0.1 (the paper: 10k of 60k MNIST
    /// rows).</summary>
    public double? ValidationFraction { get; set; }

    /// <summary>Stop after this many epochs without a better held-out NLL; 0 = never stop early. Default null = the
    /// rule: max(30, ⌈300 / steps per epoch⌉).</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>
    /// Pick the epoch on the held-out rows: keep the weights of the best held-out NLL and stop after
    /// <see cref="EarlyStoppingPatience"/> epochs without a better one. false = train every one of
    /// <see cref="Epochs"/> and keep the last weights (the held-out rows still calibrate the anomaly threshold and
    /// their NLL is still reported). Default null = the rule: on, off when there are fewer training rows than columns
    /// (n &lt; D) — there the held-out NLL peaks long before the flow stops ranking new rows better.
    /// </summary>
    public bool? EarlyStopping { get; set; }

    /// <summary>
    /// A wall-time budget for training: training stops after the first epoch that ends this long after it started (an
    /// epoch is never cut short) and keeps the best validation epoch, as with early stopping; Fit returns normally.
    /// Must be positive. Default null = no limit (use <see cref="CancellationToken"/> to abort instead).
    /// </summary>
    public TimeSpan? MaxTrainingTime { get; set; }

    /// <summary>Seed of the weights' initialization, the shuffling, the split and the dequantization noise. Default 0;
    /// the same seed gives the same model on CPU.</summary>
    public int Seed { get; set; } = NiceDefaults.Seed;

    /// <summary>
    /// Levels of quantized input data (256 for 8-bit pixels); 0 = the data are continuous (default). When set, an input
    /// value v = k·<see cref="QuantizationStep"/> + <see cref="QuantizationOffset"/> with integer k ∈ [0, L) is seen by
    /// the flow as x = (k + u)/L, u ~ U(0,1) in training and u = ½ when scoring; LogLikelihood is then a density on
    /// [0,1]ᴰ in nats (the paper's convention: MNIST 1980.50) and bits/dim = (−LogLikelihood + D·ln L)/(D·ln 2) on the
    /// [0, L) scale.
    /// </summary>
    public int DequantizationLevels { get; set; } = NiceDefaults.DequantizationLevels;

    /// <summary>Input units per quantization level (1 for pixels 0…255; 1/255 after ExtractPixels with scaleImage
    /// 1/255). Default 1.</summary>
    public double QuantizationStep { get; set; } = NiceDefaults.QuantizationStep;

    /// <summary>Input value of level 0. Default 0.</summary>
    public double QuantizationOffset { get; set; } = NiceDefaults.QuantizationOffset;

    /// <summary>
    /// Start training from a flow that already maps the data to zero mean and the prior's scale per dimension (coupling
    /// output biases and the scaling vector s set from up to 4,000 training rows). Default true; false = the paper's
    /// plain initialization, where s and the shifts must be learned at Adam's pace, which takes many epochs on data far
    /// from the prior's scale.
    /// </summary>
    public bool DataDependentInit { get; set; } = NiceDefaults.DataDependentInit;

    /// <summary>Read the training rows into memory once (fast, default); false streams them from the IDataView every
    /// epoch with bounded memory.</summary>
    public bool CacheInMemory { get; set; } = NiceDefaults.CacheInMemory;

    /// <summary>Training rows held by the shuffle pool when <see cref="CacheInMemory"/> is false, ≥ 1. Default
    /// 10,000.</summary>
    public int ShufflePoolRows { get; set; } = NiceDefaults.ShufflePoolRows;

    /// <summary>Skip training rows with NaN or infinity (and count them in
    /// <see cref="NiceTrainingSummary.SkippedRows"/>) instead of refusing the data. Default false.</summary>
    public bool SkipNonFiniteRows { get; set; } = NiceDefaults.SkipNonFiniteRows;

    /// <summary>
    /// Rows per forward pass when scoring an IDataView, in [1, 1,048,576]. Default 512. Buffers grow with the rows a
    /// batch really holds, so a large value costs memory only on data that has that many rows.
    /// </summary>
    public int ScoringBatchSize { get; set; } = NiceDefaults.ScoringBatchSize;

    /// <summary>"cpu" (default) or "cuda" / "cuda:N" (needs a CUDA backend package such as
    /// TorchSharp-cuda-windows).</summary>
    public string Device { get; set; } = NiceDefaults.Device;

    /// <summary>
    /// The engine that scores rows (<c>Transform</c>, <c>LogLikelihood</c>, <c>Encode</c>, PredictionEngine, anomaly
    /// scores). Default <see cref="NiceScoringEngine.Auto"/>: ONNX Runtime on the CPU (on the model's exact ONNX graph,
    /// built in memory the first time the model scores; about twice TorchSharp's rate where libtorch's MKL takes its
    /// generic path, as on AMD CPUs), TorchSharp on CUDA or when the application has no ONNX Runtime native library
    /// (the package Microsoft.ML.OnnxRuntime). Both give the same values to float32 rounding (|Δ log p| ≤
    /// 1e-4·max(1, |log p|)). A model read from a file scores with <see cref="NiceScoringEngine.Auto"/>.
    /// </summary>
    public NiceScoringEngine ScoringEngine { get; set; } = NiceDefaults.ScoringEngine;

    /// <summary>
    /// Threads for training and scoring, ≥ 0. Default 0 = automatic: one per core
    /// (<see cref="Environment.ProcessorCount"/>), with libtorch's threads sleeping instead of spinning when they wait
    /// (the library sets <c>OMP_WAIT_POLICY=PASSIVE</c> before libtorch loads; see the README's Threads section), so
    /// a busy machine does not collapse them. When libtorch's threads may spin (the environment chose another wait
    /// policy, or the application loaded libtorch before Nice.MLNet), automatic is 1 thread for a model whose largest
    /// matrix multiply per batch is small (2·rows·fan-in·fan-out under 4 million operations, e.g. a tabular model with
    /// 64 units at the default batch). Fit sets libtorch's count with <c>torch.set_num_threads</c> on the calling
    /// thread and restores the previous count when it returns; <c>torch.set_num_threads</c> affects the calling thread
    /// and any thread that starts using TorchSharp afterwards (so also a thread that first uses TorchSharp while Fit
    /// runs). ONNX Runtime scoring uses a thread count of its own session and changes nothing process-wide; TorchSharp
    /// scoring sets and restores libtorch's count around each batch, like Fit.
    /// </summary>
    public int Threads { get; set; } = NiceDefaults.Threads;

    /// <summary>Called after every epoch with the train/validation NLL, bits/dim and seconds. Default none.</summary>
    public Action<NiceEpochReport>? Progress { get; set; }

    /// <summary>Cancels training between mini-batches (Fit throws <see cref="OperationCanceledException"/>).</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// The NICE paper's MNIST model and training (Dinh, Krueger &amp; Bengio, arXiv:1410.8516): 4 additive couplings ×
    /// 5 hidden layers × 1000 ReLU units, logistic prior, up to 1,500 epochs of batch 200 with the best of 10% held-out
    /// rows kept (early stopping after 10 epochs without improvement), one flow, no input normalization, smoothing or
    /// column detection. For 8-bit images add <c>.WithPixelQuantization(...)</c> (namespace Nice.MLNet.Images).
    /// </summary>
    public static NiceOptions PaperMnist() => new()
    {
        Couplings = NiceDefaults.Couplings, HiddenLayers = NiceDefaults.PaperHiddenLayers,
        HiddenWidth = NiceDefaults.PaperHiddenWidth, Epochs = NiceDefaults.PaperEpochs,
        BatchSize = NiceDefaults.PaperBatchSize, ValidationFraction = NiceDefaults.ValidationFraction,
        EarlyStoppingPatience = NiceDefaults.FallbackPatience, EnsembleMembers = 1, InputNormalization = false,
        Smoothing = 0, DetectColumnKinds = false,
    };

    /// <summary>A copy, so an estimator is not changed by later edits to the options it was made with.</summary>
    internal NiceOptions Clone()
    {
        var copy = (NiceOptions)MemberwiseClone();
        if (ColumnKinds != null) copy.ColumnKinds = new Dictionary<int, NiceColumnKind>(ColumnKinds);
        return copy;
    }

    /// <summary>The flow of a Fit with the settings <paramref name="r"/>.</summary>
    internal FlowConfig ToFlowConfig(NiceResolvedOptions r)
        => new(r.Dimension, Couplings, r.HiddenLayers, r.HiddenWidth, Activation, Partition,
            r.KernelMixture ? NiceDefaults.KernelPrior : Prior, Coupling, Mixing, ActNorm, r.InputNormalization,
            r.EnsembleMembers >= 2 ? r.EnsembleMembers : null, Whitening, BasisRank(r.Dimension),
            r.KernelMixture ? r.Rows : null, RadialFlow);

    /// <summary>A flow of dimension <paramref name="dimension"/> with the set options, and the rule-free fallbacks
    /// (the paper's sizes) for the unset ones: for the engine's own tests and benchmarks.</summary>
    internal FlowConfig ToFlowConfig(int dimension)
        => new(dimension, Couplings, HiddenLayers ?? NiceDefaults.PaperHiddenLayers,
            HiddenWidth ?? NiceDefaults.PaperHiddenWidth, Activation, Partition, Prior, Coupling, Mixing, ActNorm,
            InputNormalization ?? false, EnsembleMembers is > 1 ? EnsembleMembers : null, Whitening,
            BasisRank(dimension), Radial: RadialFlow);

    /// <summary>The low-rank whitening's basis width: <see cref="WhiteningRank"/> capped at D − 1, with Full
    /// whitening only (null otherwise).</summary>
    private int? BasisRank(int dimension)
        => Whitening == NiceWhitening.Full && WhiteningRank is int k ? Math.Min(k, dimension - 1) : null;

    internal Dequantization? ToDequantization()
        => DequantizationLevels == 0 ? null : new Dequantization(DequantizationLevels, QuantizationStep,
            QuantizationOffset);

    /// <summary>The training settings with the set options and fixed fallbacks for the unset ones (no data to look
    /// at: the engine's own tests and benchmarks).</summary>
    internal TrainingSettings ToTrainingSettings() => ToTrainingSettings(
        Epochs ?? NiceDefaults.FallbackEpochs, BatchSize ?? NiceDefaults.FallbackBatchSize,
        ValidationFraction ?? NiceDefaults.ValidationFraction, EarlyStoppingPatience ?? NiceDefaults.FallbackPatience,
        null) with { KeepBestEpoch = EarlyStopping ?? true };

    /// <summary>The training settings of a Fit with the settings <paramref name="r"/> and its training noise.</summary>
    internal TrainingSettings ToTrainingSettings(NiceResolvedOptions r, TrainingNoise? noise)
        => ToTrainingSettings(r.Epochs, r.BatchSize, r.ValidationFraction, r.EarlyStoppingPatience, noise) with
        {
            KeepBestEpoch = r.EarlyStopping,
        };

    private TrainingSettings ToTrainingSettings(int epochs, int batch, double validation, int patience,
        TrainingNoise? noise) => new()
    {
        Epochs = epochs, BatchSize = batch, LearningRate = LearningRate, Beta1 = Beta1, Beta2 = Beta2,
        AdamEpsilon = AdamEpsilon, WeightDecay = WeightDecay, GradientClipNorm = GradientClipNorm,
        ValidationFraction = validation, EarlyStoppingPatience = patience, Seed = Seed, Noise = noise,
        MaxTrainingTime = MaxTrainingTime, CacheInMemory = CacheInMemory, ShufflePoolRows = ShufflePoolRows,
        Dequantization = ToDequantization(), DataDependentInit = DataDependentInit, Device = Device,
        WhiteningShrinkage = WhiteningShrinkage,
        Progress = Progress is { } report ? r
            => report(NiceEpochReport.From(r)) : null, Cancellation = CancellationToken,
    };

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> or <see cref="ArgumentException"/> naming the first invalid
    /// property (as "NiceOptions.Name") and its valid range.
    /// </summary>
    internal void Validate()
    {
        ColumnName(InputColumnName, nameof(InputColumnName));
        ColumnName(LatentColumnName, nameof(LatentColumnName));
        ColumnName(LogLikelihoodColumnName, nameof(LogLikelihoodColumnName));
        Distinct(LatentColumnName, nameof(LatentColumnName), LogLikelihoodColumnName, nameof(LogLikelihoodColumnName));
        Distinct(InputColumnName, nameof(InputColumnName), LatentColumnName, nameof(LatentColumnName));
        Distinct(InputColumnName, nameof(InputColumnName), LogLikelihoodColumnName, nameof(LogLikelihoodColumnName));
        var check = new SettingCheck(nameof(NiceOptions));
        if (DequantizationLevels != 0 && DequantizationLevels < 2)
            check.Fail(nameof(DequantizationLevels), DequantizationLevels,
                "must be 0 (off) or >= 2 (256 for 8-bit data)");
        check.Positive(QuantizationStep, nameof(QuantizationStep));
        if (!double.IsFinite(QuantizationOffset)) check.Fail(nameof(QuantizationOffset), QuantizationOffset,
            "must be finite");
        if (ScoringBatchSize < 1 || ScoringBatchSize > NiceDefaults.MaxScoringBatchSize)
            check.Fail(nameof(ScoringBatchSize), ScoringBatchSize,
                $"must be in [1, {NiceDefaults.MaxScoringBatchSize}]");
        if (!Enum.IsDefined(ScoringEngine))
            check.Fail(nameof(ScoringEngine), ScoringEngine, "must be Auto, OnnxRuntime or TorchSharp");
        check.AtLeast(Threads, 0, nameof(Threads), "0 = automatic");
        if (HiddenLayers is int layers) check.AtLeast(layers, 1, nameof(HiddenLayers), "the paper uses 5");
        if (HiddenWidth is int width) check.AtLeast(width, 1, nameof(HiddenWidth), "the paper uses 1000");
        if (EnsembleMembers is int members && (members < 1 || members > FlowConfig.MaxMembers))
            check.Fail(nameof(EnsembleMembers), members, $"must be in [1, {FlowConfig.MaxMembers}] (1 = one flow)");
        if (Smoothing is double c) check.NonNegative(c, nameof(Smoothing), "0 = none");
        if (WhiteningRank is int rank && rank < 1)
            check.Fail(nameof(WhiteningRank), rank, "must be >= 1 (null = shrinkage)");
        if (KernelMixture == true)
        {
            if (DequantizationLevels != 0)
                check.Fail(nameof(KernelMixture), true, "must be null or false with DequantizationLevels (images)");
            if (Whitening != NiceWhitening.None)
                check.Fail(nameof(KernelMixture), true, "must be null or false with Whitening");
            if (InputNormalization == true)
                check.Fail(nameof(KernelMixture), true, "must be null or false with InputNormalization = true");
            if (EnsembleMembers == 1)
                check.Fail(nameof(KernelMixture), true, "needs EnsembleMembers >= 2 or null (cross-fitted kernels)");
        }
        if (ColumnKinds is { Count: > 0 } kinds)
        {
            if (DequantizationLevels != 0)
                check.Fail(nameof(ColumnKinds), "overrides", "must be null with DequantizationLevels, which "
                    + "dequantizes every column already");
            foreach (var (slot, kind) in kinds)
            {
                if (slot < 0) check.Fail(nameof(ColumnKinds), slot, "has a negative slot index; slots are 0…D−1");
                if (kind is null || kind.Type == NiceColumnType.Constant)
                    check.Fail(nameof(ColumnKinds), $"[{slot}] = {kind?.ToString() ?? "null"}",
                        "may only give NiceColumnKind.Continuous or NiceColumnKind.Discrete(step)");
            }
        }
        ToFlowConfig(2).Validate(nameof(NiceOptions));
        ToTrainingSettings().Validate(nameof(NiceOptions));
    }

    /// <summary>Throws naming <see cref="ColumnKinds"/> when an override's slot is not below D.</summary>
    internal void ValidateFor(int dimension)
    {
        if (ColumnKinds?.Keys.Where(slot => slot >= dimension).Select(slot => (int?)slot).FirstOrDefault() is int bad)
            new SettingCheck(nameof(NiceOptions)).Fail(nameof(ColumnKinds), bad,
                $"names slot {bad}, but the feature column has D = {dimension} slots (0…{dimension - 1})");
    }

    private static void ColumnName(string value, string property)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new ArgumentException($"NiceOptions.{property} must name a column.", property);
    }

    /// <summary>
    /// Two of the column names may not be equal: the output columns must differ from each other, and from the input,
    /// whose values the saved model (an ONNX graph with one value per name) must keep apart from its outputs.
    /// </summary>
    private static void Distinct(string a, string aName, string b, string bName)
    {
        if (a == b)
            throw new ArgumentException($"NiceOptions.{aName} and {bName} are both '{a}'; they must differ.", bName);
    }
}
