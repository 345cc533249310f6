using System;
using System.IO;
using Xunit;

namespace Nice.MLNet.Tests.MLNet;

/// <summary>How a refusal to score an altered model reaches the caller of ML.NET.</summary>
internal static class AltersAreRefused
{
    /// <summary>
    /// The <see cref="InvalidDataException"/> that scoring <paramref name="score"/> throws. When ML.NET reads a view
    /// with parallel cursors (Transform, then enumerating it on a machine with more than one core), its
    /// splitter/consolidator rethrows any exception of a worker as an <see cref="InvalidOperationException"/>
    /// ("Splitter/consolidator worker encountered exception while consuming source data") whose inner exception is the
    /// original; that wrapper and nothing else is accepted around it.
    /// </summary>
    public static InvalidDataException Scoring(Action score)
    {
        var e = Assert.ThrowsAny<Exception>(score);
        if (e is InvalidOperationException { InnerException: InvalidDataException inner }
            && e.Message.Contains("Splitter/consolidator", StringComparison.Ordinal))
            return inner;
        return Assert.IsType<InvalidDataException>(e);
    }
}
