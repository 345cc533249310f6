namespace Nice.MLNet;

/// <summary>What a feature column looks like to the flow (see <see cref="NiceColumnKind"/>).</summary>
public enum NiceColumnType
{
    /// <summary>Real-valued: modelled as it is.</summary>
    Continuous,

    /// <summary>Values on a grid of a fixed step (counts, ratings, prices in cents): dequantized with noise of the
    /// step in training.</summary>
    Discrete,

    /// <summary>One value in every training row: dequantized with noise of the data's typical scale in
    /// training.</summary>
    Constant,
}
