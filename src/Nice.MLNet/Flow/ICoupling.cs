namespace Nice.MLNet.Flow;

/// <summary>A coupling layer: updates the features of <see cref="Partition"/>.Second from a network of the features of
/// Partition.First.</summary>
internal interface ICoupling
{
    /// <summary>The index sets this layer conditions on (First) and updates (Second).</summary>
    Partition Partition { get; }

    /// <summary>The coupling network (its output layer starts at zero, so the layer starts as the identity).</summary>
    CouplingNet Net { get; }
}
