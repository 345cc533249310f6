using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Nice.MLNet.Persistence;

/// <summary>
/// Turns the ONNX graph's log-likelihood output (ML.NET reads an ONNX [1] tensor as Vector&lt;Single, 1&gt;) back into
/// a <c>Single</c> column in a saved model. Public because ML.NET loads it by name from the model zip
/// (<c>CustomMappingFactoryAttribute</c>); not meant to be used directly. Zips are now saved with
/// <see cref="CheckedLogLikelihoodFactory"/>, which also refuses altered weights; this one stays so that zips saved
/// before it still load and score (unchecked by <c>mlContext.Model.Load</c>; <c>mlContext.Model.LoadNice</c> checks
/// their content hash).
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class LogLikelihoodScalarFactory : CustomMappingFactory<LogLikelihoodScalarFactory.VectorValue,
    LogLikelihoodScalarFactory.ScalarValue>
{
    /// <summary>The contract name recorded in model zips.</summary>
    public const string ContractName = "Nice.MLNet.LogLikelihoodScalar.v1";
    internal const string VectorColumn = "NiceLogLikelihoodVector";
    internal const string ScalarColumn = "NiceLogLikelihoodScalar";

    /// <summary>The ONNX output.</summary>
    public sealed class VectorValue
    {
        /// <summary>log p(x) as a one-element vector.</summary>
        [ColumnName(VectorColumn), VectorType(1)] public float[] Value { get; set; } = new float[1];
    }

    /// <summary>The scalar column.</summary>
    public sealed class ScalarValue
    {
        /// <summary>log p(x).</summary>
        [ColumnName(ScalarColumn)] public float Value { get; set; }
    }

    /// <inheritdoc/>
    public override System.Action<VectorValue, ScalarValue> GetMapping() => Map;

    internal static void Map(VectorValue input, ScalarValue output)
        => output.Value = input.Value.Length > 0 ? input.Value[0] : float.NaN;
}
