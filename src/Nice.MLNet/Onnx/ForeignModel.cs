using System;
using System.IO;

namespace Nice.MLNet.Onnx;

/// <summary>
/// Tells apart bytes that are not a Nice.MLNet model at all (not ONNX, or ONNX without Nice.MLNet's format marker) from
/// a Nice.MLNet model that is damaged or edited: a reader looking through a pipeline's ONNX graphs skips the first kind
/// and refuses the second. Both are <see cref="InvalidDataException"/> (a sealed type); the first carries a mark.
/// </summary>
internal static class ForeignModel
{
    private const string Mark = "Nice.MLNet.ForeignModel";

    /// <summary>An <see cref="InvalidDataException"/> marked as "not a Nice.MLNet model".</summary>
    public static InvalidDataException Exception(string message, Exception? inner = null)
    {
        var e = new InvalidDataException(message, inner);
        e.Data[Mark] = true;
        return e;
    }

    /// <summary>True for exceptions made by <see cref="Exception"/>.</summary>
    public static bool Is(Exception e) => e.Data.Contains(Mark);
}
