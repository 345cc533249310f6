namespace Nice.MLNet;

/// <summary>The coupling layers' transformation of the updated part x₂.</summary>
public enum NiceCoupling
{
    /// <summary>NICE's additive coupling y₂ = x₂ + m(x₁), volume preserving (Dinh, Krueger &amp; Bengio 2014; the
    /// default).</summary>
    Additive = 0,
    /// <summary>
    /// RealNVP's affine coupling y₂ = x₂ ⊙ exp(a(x₁)) + t(x₁), a = c ⊙ tanh(â) with a learned per-dimension bound c,
    /// log|det| = Σ a (Dinh, Sohl-Dickstein &amp; Bengio, ICLR 2017).
    /// </summary>
    Affine = 1,
}
