using Nice.MLNet;

namespace Microsoft.ML;

/// <summary>NICE normalizing flows in ML.NET's catalogs: <c>mlContext.Transforms.Nice(...)</c>.</summary>
public static class NiceCatalog
{
    /// <summary>
    /// Creates a <see cref="NiceEstimator"/>, which trains a NICE flow (arXiv:1410.8516) on
    /// <paramref name="inputColumnName"/> and appends the latent code h = f(x) and the exact log-likelihood
    /// log p(x) = Σᵢ log p_H(hᵢ) + Σᵢ sᵢ in nats.
    /// </summary>
    /// <param name="catalog">The transform catalog.</param>
    /// <param name="inputColumnName">A known-size vector of Single, D ≥ 2.</param>
    /// <param name="latentColumnName">Output: the latent code (vector of D Single).</param>
    /// <param name="logLikelihoodColumnName">Output: log p(x) in nats (Single).</param>
    /// <param name="epochs">Maximum passes over the data; null = chosen from the data (see
    /// <see cref="NiceOptions"/>'s rule).</param>
    /// <param name="hiddenWidth">Units per hidden layer of the coupling MLPs (the paper: 1000); null = chosen from the
    /// data.</param>
    /// <param name="seed">Seed of initialization, shuffling, split and noise.</param>
    /// <example><code>
    /// var model = mlContext.Transforms.Nice("Features").Fit(train);
    /// var scored = model.Transform(test);   // + "Latent", "LogLikelihood"
    /// </code></example>
    public static NiceEstimator Nice(this TransformsCatalog catalog,
        string inputColumnName = NiceDefaults.InputColumnName,
        string latentColumnName = NiceDefaults.LatentColumnName,
        string logLikelihoodColumnName = NiceDefaults.LogLikelihoodColumnName,
        int? epochs = null,
        int? hiddenWidth = null,
        int seed = NiceDefaults.Seed)
        => new(new NiceOptions
        {
            InputColumnName = inputColumnName, LatentColumnName = latentColumnName,
            LogLikelihoodColumnName = logLikelihoodColumnName, Epochs = epochs, HiddenWidth = hiddenWidth, Seed = seed,
        });

    /// <summary>Creates a <see cref="NiceEstimator"/> with every option of <see cref="NiceOptions"/>.</summary>
    public static NiceEstimator Nice(this TransformsCatalog catalog, NiceOptions options) => new(options);
}
