using System.IO;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Nice.MLNet.Persistence;

/// <summary>
/// The saved model's step after the ONNX graph (format of zips written since the graph checks its own weights): turns
/// the log-likelihood output (an ONNX [1] tensor, read by ML.NET as Vector&lt;Single, 1&gt;) into a <c>Single</c>
/// column, and refuses to score when the graph's integrity output is not 1, i.e. when the weights in the file no longer
/// match the fingerprints written at save time. Public because ML.NET loads it by name from the model zip
/// (<c>CustomMappingFactoryAttribute</c>); not meant to be used directly. Zips saved before it use
/// <see cref="LogLikelihoodScalarFactory"/>.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class CheckedLogLikelihoodFactory : CustomMappingFactory<CheckedLogLikelihoodFactory.GraphOutputs,
    LogLikelihoodScalarFactory.ScalarValue>
{
    /// <summary>The contract name recorded in model zips.</summary>
    public const string ContractName = "Nice.MLNet.LogLikelihoodScalar.v2";
    internal const string IntegrityColumn = "NiceIntegrity";

    /// <summary>The message of the exception thrown when the weights do not match.</summary>
    internal const string AlteredMessage = "The Nice.MLNet model's weights do not match the checksum written when it "
        + "was saved: the model file was altered after it was saved (edited or damaged weights). Reload it with "
        + "mlContext.Model.LoadNice(path) or NiceTransformer.Load(mlContext, path), which check the file and name it.";

    /// <summary>The ONNX graph's outputs this step reads.</summary>
    public sealed class GraphOutputs
    {
        /// <summary>log p(x) as a one-element vector.</summary>
        [ColumnName(LogLikelihoodScalarFactory.VectorColumn), VectorType(1)]
        public float[] LogLikelihood { get; set; } = new float[1];

        /// <summary>1 when the graph's weights match their fingerprints, else 0.</summary>
        [ColumnName(IntegrityColumn), VectorType(1)] public float[] Integrity { get; set; } = new float[1];
    }

    /// <inheritdoc/>
    public override System.Action<GraphOutputs, LogLikelihoodScalarFactory.ScalarValue> GetMapping() => Map;

    /// <summary>Copies log p(x); throws <see cref="InvalidDataException"/> when the integrity value is not 1.</summary>
    internal static void Map(GraphOutputs input, LogLikelihoodScalarFactory.ScalarValue output)
    {
        if (input.Integrity.Length != 1 || input.Integrity[0] != 1f) throw new InvalidDataException(AlteredMessage);
        output.Value = input.LogLikelihood.Length > 0 ? input.LogLikelihood[0] : float.NaN;
    }
}
