using System.Collections.Generic;
using Nice.MLNet.Mapping;

namespace Nice.MLNet;

/// <summary>The three column names a NICE transform reads and writes, and the columns it appends.</summary>
internal sealed record NiceColumns(string Input, string Latent, string LogLikelihood)
{
    public static NiceColumns From(NiceOptions o)
        => new(o.InputColumnName, o.LatentColumnName, o.LogLikelihoodColumnName);

    /// <summary>
    /// Latent (vector of D Single, with the input's slot names when <paramref name="slotNames"/> and the input has
    /// them) and LogLikelihood (Single), in that order.
    /// </summary>
    public IReadOnlyList<AppendedColumn> Appended(int dimension, bool slotNames = true)
        => new[] { AppendedColumn.Vector(Latent, dimension, slotNames), AppendedColumn.Single(LogLikelihood) };
}
