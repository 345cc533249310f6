namespace Nice.MLNet;

/// <summary>Non-linearity of the coupling networks.</summary>
public enum NiceActivation
{
    /// <summary>max(0, x), the paper's choice.</summary>
    ReLU = 0,
    /// <summary>max(0.01·x, x).</summary>
    LeakyReLU = 1,
}
