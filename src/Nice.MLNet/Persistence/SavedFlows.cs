using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Nice.MLNet.Onnx;

namespace Nice.MLNet.Persistence;

/// <summary>Finds the NICE flows saved in an ML.NET model zip (by <see cref="OnnxChain"/>) and rebuilds them.</summary>
internal static class SavedFlows
{
    /// <summary>
    /// A NICE flow read back from a zip, and where its step sits: <see cref="StepPath"/> holds the child indices from
    /// the root chain down to the saved step (the chain <see cref="OnnxChain"/> wrote); empty when the step is the
    /// root.
    /// </summary>
    public sealed record Saved(NiceOnnxModel Model, IReadOnlyList<int> StepPath)
    {
        /// <summary>How many steps of the saved pipeline run before this one (a step is before it when it is an earlier
        /// sibling of the step or of one of the chains holding it).</summary>
        public bool HasStepsBefore => StepPath.Any(i => i > 0);
    }

    /// <summary>
    /// The <paramref name="index"/>-th forward NICE graph of <paramref name="entries"/> (0 = the first), rebuilt.
    /// Throws <see cref="InvalidDataException"/> naming <paramref name="source"/> when it holds no NICE model, and
    /// <see cref="ArgumentOutOfRangeException"/> when it holds fewer.
    /// </summary>
    public static Saved Read(IReadOnlyList<ModelZip.Entry> entries, string source, int index)
    {
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), index, "index must be >= 0.");
        int found = 0;
        foreach (var saved in All(entries, source))
        {
            if (found++ == index) return saved;
            saved.Model.Dispose();
        }
        throw new ArgumentOutOfRangeException(nameof(index), index, $"{source} holds {found} NICE model(s).");
    }

    /// <summary>
    /// Every forward NICE graph of <paramref name="entries"/>, rebuilt, in chain order (lazily: dispose what you do
    /// not keep). Throws <see cref="InvalidDataException"/> naming <paramref name="source"/> when there is none.
    /// </summary>
    public static IEnumerable<Saved> All(IReadOnlyList<ModelZip.Entry> entries, string source)
    {
        int found = 0;
        string? lastProblem = null;
        foreach (var entry in entries)
        {
            NiceOnnxModel read;
            try { read = NiceOnnx.Read(entry.Onnx); }
            catch (InvalidDataException e) when (ForeignModel.Is(e))
            {
                lastProblem = e.Message;   // another model of the pipeline
                continue;
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{source}: {e.Message}", e);   // ours, but damaged or edited
            }
            if (read.Graph != NiceGraphKind.Forward)
            {
                read.Dispose();
                continue;
            }
            found++;
            // The OnnxTransformer is child 0 of the chain that stands for the NICE step.
            yield return new Saved(read, entry.ChainPath.Take(entry.ChainPath.Count - 1).ToArray());
        }
        if (found == 0)
            throw new InvalidDataException($"{source} holds no NICE model: " + (entries.Count == 0
                ? "no ONNX graph in it."
                : $"its {entries.Count} ONNX graph(s) were not written by Nice.MLNet ({lastProblem})."));
    }
}
