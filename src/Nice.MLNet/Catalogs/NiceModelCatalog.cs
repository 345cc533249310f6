using System;
using System.IO;
using Nice.MLNet;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Scoring;

namespace Microsoft.ML;

/// <summary>
/// Model-file helpers on <c>mlContext.Model</c>: <see cref="SaveAtomically"/>, and
/// <see cref="LoadNice(ModelOperationsCatalog, string, out DataViewSchema, NiceScoringEngine, int)"/>, which loads a
/// saved pipeline with its NICE steps batched.
/// </summary>
public static class NiceModelCatalog
{
    /// <summary>
    /// Loads a model zip written by <c>mlContext.Model.Save</c> — any pipeline, with NICE steps anywhere in it — as
    /// <c>mlContext.Model.Load</c> does, except that every NICE step (<see cref="NiceTransformer"/> or
    /// <see cref="NiceAnomalyDetector"/>) comes back as its full, batched type instead of the row-at-a-time ONNX chain
    /// it was saved as; every other step comes back as ML.NET loads it. Use this to score a saved pipeline fast, or to
    /// get at a NICE step that follows other steps (a normalizer): the returned model takes the pipeline's raw input
    /// rows. A missing file throws <see cref="FileNotFoundException"/>; an unreadable, tampered or foreign one
    /// <see cref="InvalidDataException"/> naming it.
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="path">The model zip.</param>
    /// <param name="inputSchema">The schema the pipeline was saved with.</param>
    /// <param name="scoringEngine">The engine the NICE steps score on (default <see cref="NiceScoringEngine.Auto"/>:
    /// ONNX Runtime, without loading libtorch).</param>
    /// <param name="threads">Their threads; 0 (default) = automatic, as <see cref="NiceOptions.Threads"/>.</param>
    /// <example><code>
    /// ITransformer model = mlContext.Model.LoadNice("pipeline.zip", out var inputSchema);
    /// IDataView scored = model.Transform(rawRows);   // normalizer, then NICE in batches
    /// </code></example>
    public static ITransformer LoadNice(this ModelOperationsCatalog catalog, string path,
        out DataViewSchema inputSchema, NiceScoringEngine scoringEngine = NiceScoringEngine.Auto, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(path);
        var scoring = ScoringChoice.Loaded(scoringEngine, threads);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        return NicePipelines.Load(catalog, File.ReadAllBytes(path), path, out inputSchema, scoring);
    }

    /// <summary>
    /// <see cref="LoadNice(ModelOperationsCatalog, string, out DataViewSchema, NiceScoringEngine, int)"/> from a stream
    /// (read to its end; not closed).
    /// </summary>
    public static ITransformer LoadNice(this ModelOperationsCatalog catalog, Stream stream,
        out DataViewSchema inputSchema, NiceScoringEngine scoringEngine = NiceScoringEngine.Auto, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(stream);
        var scoring = ScoringChoice.Loaded(scoringEngine, threads);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return NicePipelines.Load(catalog, copy.ToArray(), "the model stream", out inputSchema, scoring);
    }

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
