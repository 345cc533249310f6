using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.Data;
using Nice.MLNet;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Persistence;
using Nice.MLNet.Scoring;

namespace Microsoft.ML;

/// <summary>
/// A saved pipeline loaded by ML.NET, with every NICE step (saved as a chain of built-in transformers around an ONNX
/// graph) replaced by the full batched <see cref="NiceTransformer"/> or <see cref="NiceAnomalyDetector"/> it stands
/// for.
/// </summary>
internal static class NicePipelines
{
    public static ITransformer Load(ModelOperationsCatalog catalog, byte[] zip, string source,
        out DataViewSchema inputSchema, ScoringChoice scoring)
    {
        ITransformer loaded;
        try
        {
            loaded = catalog.Load(new MemoryStream(zip, writable: false), out inputSchema);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException
                                  or InvalidDataException or IOException)
        {
            throw new InvalidDataException($"{source} is not a model ML.NET can load: {e.Message}", e);
        }
        var steps = new Dictionary<string, ITransformer>();
        try
        {
            var entries = ModelZip.OnnxEntries(new MemoryStream(zip, writable: false), source);
            foreach (var saved in SavedFlows.All(entries, source))
            {
                var model = NiceTransformer.FromSaved(saved.Model, source, scoring);
                steps[Key(saved.StepPath)] = AnomalyPersistence.IsDetector(saved.Model.Metadata)
                    ? AnomalyPersistence.Detector(model, saved.Model.Metadata, source)
                    : model;
            }
            return Replace(loaded, new List<int>(), steps);
        }
        catch
        {
            foreach (var step in steps.Values) ((IDisposable)step).Dispose();
            (loaded as IDisposable)?.Dispose();
            throw;
        }
    }

    /// <summary>The transformer at <paramref name="path"/> with every NICE step below it replaced.</summary>
    private static ITransformer Replace(ITransformer node, List<int> path, Dictionary<string, ITransformer> steps)
    {
        if (steps.TryGetValue(Key(path), out var step))
        {
            if (node is not TransformerChain<ITransformer> chain || chain.FirstOrDefault() is not { } first
                || first.GetType().Name != "OnnxTransformer")
                throw new InvalidDataException("The saved NICE step's place in the pipeline holds " +
                    $"{node.GetType().Name}, not the chain Nice.MLNet writes.");
            // The replaced chain's ONNX step holds an ONNX Runtime session and ML.NET's temp copy of the graph, which
            // only its disposal deletes.
            chain.Dispose();
            return step;
        }
        if (node is not TransformerChain<ITransformer> parent) return node;
        var children = parent.ToList();
        bool changed = false;
        for (int i = 0; i < children.Count; i++)
        {
            path.Add(i);
            var replaced = Replace(children[i], path, steps);
            path.RemoveAt(path.Count - 1);
            changed |= !ReferenceEquals(replaced, children[i]);
            children[i] = replaced;
        }
        return changed ? new TransformerChain<ITransformer>(children.ToArray()) : node;
    }

    private static string Key(IReadOnlyList<int> path) => string.Join('/', path);
}
