using System;
using System.IO;

namespace Microsoft.ML;

/// <summary>Model-file helpers on <c>mlContext.Model</c>: <see cref="SaveAtomically"/>.</summary>
public static class NiceModelCatalog
{
    /// <summary>
    /// Saves <paramref name="model"/> like <c>mlContext.Model.Save</c>, but atomically: into a temporary file beside
    /// <paramref name="path"/>, renamed over it only when complete. <c>Save</c> itself writes into the destination as
    /// it goes, so a failure (a full disk, a model that cannot be saved) leaves a partial file there; this never does,
    /// and an existing file at <paramref name="path"/> stays as it was. Works for any ITransformer.
    /// </summary>
    public static void SaveAtomically(this ModelOperationsCatalog catalog, ITransformer model,
        DataViewSchema inputSchema,
        string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            catalog.Save(model, inputSchema, temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
