using System;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Data;

/// <summary>The input schema with the latent (vector of D floats, slot names carried over) and log-likelihood (Single) columns appended.</summary>
internal sealed class OutputSchema : IAppendedSchema
{
    public OutputSchema(DataViewSchema input, string inputColumn, string latentColumn, string logLikelihoodColumn, int dimension)
    {
        var (features, _) = InputColumn.Find(input, inputColumn, dimension);
        Input = input;
        Features = features;
        Dimension = dimension;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        var latentAnnotations = new DataViewSchema.Annotations.Builder();
        if (InputColumn.SlotNames(features, dimension) is VBuffer<ReadOnlyMemory<char>> names)
            latentAnnotations.Add("SlotNames", new VectorDataViewType(TextDataViewType.Instance, dimension), (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> dst) => names.CopyTo(ref dst)));
        builder.AddColumn(latentColumn, new VectorDataViewType(NumberDataViewType.Single, dimension), latentAnnotations.ToAnnotations());
        builder.AddColumn(logLikelihoodColumn, NumberDataViewType.Single);
        Schema = builder.ToSchema();
        LatentIndex = input.Count;
        LogLikelihoodIndex = input.Count + 1;
    }

    public DataViewSchema Input { get; }
    public DataViewSchema Schema { get; }
    public DataViewSchema.Column Features { get; }
    public int Dimension { get; }
    public int LatentIndex { get; }
    public int LogLikelihoodIndex { get; }
}
