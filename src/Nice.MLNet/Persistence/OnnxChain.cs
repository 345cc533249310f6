using System;
using System.Collections.Generic;
using System.Linq;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet.Onnx;

namespace Nice.MLNet.Persistence;

/// <summary>
/// The built-in, savable ML.NET transformers that stand in for a <see cref="NiceTransformer"/> in a model zip:
/// ApplyOnnxModel (the exported flow, one row in, [D] latent and [1] log-likelihood out) → CustomMapping (Vector&lt;Single,1&gt; → Single)
/// → CopyColumns (to the configured name) → DropColumns (the temporaries). Loaded back by <c>mlContext.Model.Load</c> they append
/// the same columns with the same types; <see cref="NiceTransformer.Load(MLContext, string, int)"/> reads the same zip back as a full NiceTransformer.
/// </summary>
internal static class OnnxChain
{
    public static TransformerChain<ITransformer> Build(NiceTransformer model, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var metadata = new Dictionary<string, string>(ModelMetadata.Write(model));
        if (extraMetadata != null) foreach (var (k, v) in extraMetadata) metadata[k] = v;
        var onnx = NiceOnnx.ExportForward(model.Flow, model.Dequantization, batched: false, metadata,
            model.InputColumnName, model.LatentColumnName, LogLikelihoodScalarFactory.VectorColumn);
        var ml = new MLContext();
        var definition = SchemaDefinition.Create(typeof(InputRow));
        definition[0].ColumnName = model.InputColumnName;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, model.Dimension);
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<InputRow>(), definition);
        var pipeline = ml.Transforms.ApplyOnnxModel(
                new[] { model.LatentColumnName, LogLikelihoodScalarFactory.VectorColumn }, new[] { model.InputColumnName }, new MemoryStream(onnx))
            .Append(ml.Transforms.CustomMapping<LogLikelihoodScalarFactory.VectorValue, LogLikelihoodScalarFactory.ScalarValue>(
                LogLikelihoodScalarFactory.Map, LogLikelihoodScalarFactory.ContractName))
            .Append(ml.Transforms.CopyColumns(model.LogLikelihoodColumnName, LogLikelihoodScalarFactory.ScalarColumn))
            .Append(ml.Transforms.DropColumns(LogLikelihoodScalarFactory.VectorColumn, LogLikelihoodScalarFactory.ScalarColumn));
        var fitted = pipeline.Fit(empty);
        return new TransformerChain<ITransformer>(fitted.ToArray());
    }

    private sealed class InputRow
    {
        public float[] Features = Array.Empty<float>();
    }
}
