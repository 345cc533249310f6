namespace Nice.MLNet;

/// <summary>One trained parameter of a NICE model.</summary>
/// <param name="Name">PyTorch-style name, e.g. "layers.0.m.layers.linear0.weight" or "scaling.s".</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Values">Its values, row-major.</param>
public sealed record NiceParameter(string Name, long[] Shape, float[] Values);
