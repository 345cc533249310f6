using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;

namespace Nice.MLNet.Persistence;

/// <summary>
/// The built-in, savable ML.NET transformers that stand in for a NICE transform in a model zip: ApplyOnnxModel (the
/// exported flow, one row in, [D] latent, [1] log-likelihood and [1] integrity out — the graph checks its own weights,
/// <see cref="WeightIntegrity"/>) → CustomMapping (<see cref="CheckedLogLikelihoodFactory"/>: Vector&lt;Single,1&gt;
/// → Single, refusing altered weights) → CopyColumns (to the configured name) → DropColumns (the temporaries). Loaded
/// back by <c>mlContext.Model.Load</c> they append the same columns with the same types; <see cref="SavedFlows"/>
/// reads the flow back from the same zip. Zips saved before the check hold the same chain without the integrity
/// output, with <see cref="LogLikelihoodScalarFactory"/>; they still load.
/// </summary>
internal static class OnnxChain
{
    /// <summary>The chain for the flow whose weights <paramref name="flow"/> holds, its ONNX graph carrying
    /// <paramref name="metadata"/>; the caller saves it and disposes it (which deletes the graph's file).</summary>
    public static SaveOnlyChain Build(FlowWeights flow, Dequantization? dequantization, string input,
        string latent, string logLikelihood, IReadOnlyDictionary<string, string> metadata)
    {
        const string ll = LogLikelihoodScalarFactory.VectorColumn;
        const string integrity = CheckedLogLikelihoodFactory.IntegrityColumn;
        var onnx = NiceOnnx.ExportForward(flow, dequantization, batched: false, metadata, input, latent, ll, integrity);
        var ml = new MLContext();
        var definition = SchemaDefinition.Create(typeof(InputRow));
        definition[0].ColumnName = input;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, flow.Layout.Dimension);
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<InputRow>(), definition);
        return SaveOnlyChain.Create(onnx, file => new TransformerChain<ITransformer>(ml.Transforms.ApplyOnnxModel(
                new[] { latent, ll, integrity }, new[] { input }, file)
            .Append(ml.Transforms.CustomMapping<CheckedLogLikelihoodFactory.GraphOutputs,
                LogLikelihoodScalarFactory.ScalarValue>(
                CheckedLogLikelihoodFactory.Map, CheckedLogLikelihoodFactory.ContractName))
            .Append(ml.Transforms.CopyColumns(logLikelihood, LogLikelihoodScalarFactory.ScalarColumn))
            .Append(ml.Transforms.DropColumns(ll, integrity, LogLikelihoodScalarFactory.ScalarColumn))
            .Fit(empty).ToArray()));
    }

    private sealed class InputRow
    {
        public float[] Features = Array.Empty<float>();
    }
}
