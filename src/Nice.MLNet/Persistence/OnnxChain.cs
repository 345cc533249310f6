using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Flow;
using Nice.MLNet.Onnx;

namespace Nice.MLNet.Persistence;

/// <summary>
/// The built-in, savable ML.NET transformers that stand in for a NICE transform in a model zip: ApplyOnnxModel (the
/// exported flow, one row in, [D] latent and [1] log-likelihood out) → CustomMapping (Vector&lt;Single,1&gt; → Single)
/// → CopyColumns (to the configured name) → DropColumns (the temporaries). Loaded back by <c>mlContext.Model.Load</c>
/// they append the same columns with the same types; <see cref="SavedFlows"/> reads the flow back from the same zip.
/// </summary>
internal static class OnnxChain
{
    /// <summary>The chain for the flow whose weights <paramref name="flow"/> holds, its ONNX graph carrying
    /// <paramref name="metadata"/>.</summary>
    public static TransformerChain<ITransformer> Build(FlowWeights flow, Dequantization? dequantization, string input,
        string latent, string logLikelihood, IReadOnlyDictionary<string, string> metadata)
    {
        var onnx = NiceOnnx.ExportForward(flow, dequantization, batched: false, metadata, input, latent,
            LogLikelihoodScalarFactory.VectorColumn);
        var ml = new MLContext();
        var definition = SchemaDefinition.Create(typeof(InputRow));
        definition[0].ColumnName = input;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, flow.Layout.Dimension);
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<InputRow>(), definition);
        var pipeline = ml.Transforms.ApplyOnnxModel(
                new[] { latent, LogLikelihoodScalarFactory.VectorColumn }, new[] { input }, new MemoryStream(onnx))
            .Append(ml.Transforms.CustomMapping<LogLikelihoodScalarFactory.VectorValue,
                LogLikelihoodScalarFactory.ScalarValue>(
                LogLikelihoodScalarFactory.Map, LogLikelihoodScalarFactory.ContractName))
            .Append(ml.Transforms.CopyColumns(logLikelihood, LogLikelihoodScalarFactory.ScalarColumn))
            .Append(ml.Transforms.DropColumns(LogLikelihoodScalarFactory.VectorColumn,
                LogLikelihoodScalarFactory.ScalarColumn));
        return new TransformerChain<ITransformer>(pipeline.Fit(empty).ToArray());
    }

    private sealed class InputRow
    {
        public float[] Features = Array.Empty<float>();
    }
}
