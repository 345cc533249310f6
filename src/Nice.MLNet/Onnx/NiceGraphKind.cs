namespace Nice.MLNet.Onnx;

/// <summary>Which direction of the flow an exported graph computes.</summary>
internal enum NiceGraphKind
{
    /// <summary>Raw features → latent code and log-likelihood.</summary>
    Forward = 0,
    /// <summary>Latent code → features (raw data scale).</summary>
    Inverse = 1,
}
