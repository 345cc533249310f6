using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace Nice.MLNet.Tests.MLNet;

public class BadInputTests
{
    private readonly MLContext ml = new(seed: 1);

    public sealed class DoubleRow { [VectorType(4)] public double[] Features = Array.Empty<double>(); }
    public sealed class VarRow { public float[] Features = Array.Empty<float>(); }
    public sealed class ScalarRow { public float Features; }
    public sealed class OneRow { [VectorType(1)] public float[] Features = Array.Empty<float>(); }
    public sealed class ThreeRow { [VectorType(3)] public float[] Features = Array.Empty<float>(); }

    [Fact]
    public void Fit_WithMissingColumn_NamesTheColumn()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(10));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Nice(new NiceOptions { InputColumnName = "Pixels" }).Fit(data));
        Assert.Contains("'Pixels' not found", e.Message);
        Assert.Contains("'Features'", e.Message);
    }

    [Fact]
    public void Fit_WithDoubleVector_SaysHowToConvert()
    {
        var data = ml.Data.LoadFromEnumerable(new[] { new DoubleRow { Features = new double[4] } });
        var e = Assert.Throws<ArgumentException>(() => ml.Transforms.Nice(Fixtures.Small()).Fit(data));
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("Double", e.Message);
        Assert.Contains("ConvertType", e.Message);
    }

    [Fact]
    public void Fit_WithVariableSizeVector_IsRefused()
    {
        var data = ml.Data.LoadFromEnumerable(new[] { new VarRow { Features = new float[4] } });
        var e = Assert.Throws<ArgumentException>(() => ml.Transforms.Nice(Fixtures.Small()).Fit(data));
        Assert.Contains("variable-size", e.Message);
    }

    [Fact]
    public void Fit_WithScalarOrSizeOne_IsRefused()
    {
        var scalar = ml.Data.LoadFromEnumerable(new[] { new ScalarRow() });
        Assert.Contains("known-size vector of Single", Assert.Throws<ArgumentException>(() => ml.Transforms.Nice(Fixtures.Small()).Fit(scalar)).Message);
        var one = ml.Data.LoadFromEnumerable(new[] { new OneRow { Features = new float[1] } });
        Assert.Contains("D >= 2", Assert.Throws<ArgumentException>(() => ml.Transforms.Nice(Fixtures.Small()).Fit(one)).Message);
    }

    [Fact]
    public void Transform_WithDifferentDimension_NamesBothSizes()
    {
        using var model = ml.Transforms.Nice(Fixtures.Small(1)).Fit(Fixtures.Data(ml, Fixtures.Correlated(50)));
        var other = ml.Data.LoadFromEnumerable(new[] { new ThreeRow { Features = new float[3] } });
        var e = Assert.Throws<ArgumentException>(() => model.Transform(other));
        Assert.Contains("size 3", e.Message);
        Assert.Contains("size 4", e.Message);
    }

    [Fact]
    public void Fit_WithNaNRow_NamesTheRow_OrSkipsAndCountsWhenAsked()
    {
        var rows = Fixtures.Correlated(100);
        rows[37].Features[2] = float.NaN;
        rows[80].Features[0] = float.PositiveInfinity;
        var data = Fixtures.Data(ml, rows);
        var e = Assert.Throws<InvalidOperationException>(() => ml.Transforms.Nice(Fixtures.Small(1)).Fit(data));
        Assert.Contains("Row 37", e.Message);
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("SkipNonFiniteRows", e.Message);

        var options = Fixtures.Small(1);
        options.SkipNonFiniteRows = true;
        using var model = ml.Transforms.Nice(options).Fit(data);
        Assert.Equal(2, model.TrainingSummary!.SkippedRows);
        Assert.Equal(98, model.TrainingSummary.Rows);
    }

    [Fact]
    public void Transform_WithNaNRow_GivesNaNForThatRowOnly()
    {
        var rows = Fixtures.Correlated(20);
        using var model = ml.Transforms.Nice(Fixtures.Small(2)).Fit(Fixtures.Data(ml, rows));
        var clean = Fixtures.Column(model.Transform(Fixtures.Data(ml, rows)), "LogLikelihood");
        rows[5].Features[1] = float.NaN;
        var dirty = Fixtures.Column(model.Transform(Fixtures.Data(ml, rows)), "LogLikelihood");
        Assert.True(float.IsNaN(dirty[5]));
        for (int i = 0; i < rows.Length; i++)
            if (i != 5) Assert.Equal(clean[i], dirty[i]);
    }

    [Fact]
    public void Fit_WithNoRows_SaysSo()
    {
        var data = Fixtures.Data(ml, Array.Empty<VectorRow>());
        var e = Assert.Throws<InvalidOperationException>(() => ml.Transforms.Nice(Fixtures.Small(1)).Fit(data));
        Assert.Contains("no rows", e.Message);
        Assert.Contains("'Features'", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void Fit_WithFewerRowsThanABatch_Trains(int n)
    {
        var options = Fixtures.Small(2);
        options.BatchSize = 64;
        using var model = ml.Transforms.Nice(options).Fit(Fixtures.Data(ml, Fixtures.Correlated(n)));
        Assert.Equal(n, model.TrainingSummary!.Rows);
        Assert.All(Fixtures.Column(model.Transform(Fixtures.Data(ml, Fixtures.Correlated(n))), "LogLikelihood"), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Options_OutOfRange_FailWhenTheEstimatorIsCreated_NamingTheProperty()
    {
        Assert.Equal("Couplings", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Nice(new NiceOptions { Couplings = 0 })).ParamName);
        Assert.Equal("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Nice(new NiceOptions { LearningRate = -1 })).ParamName);
        Assert.Equal("ValidationFraction", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Nice(new NiceOptions { ValidationFraction = 1 })).ParamName);
        Assert.Equal("QuantizationStep", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Nice(new NiceOptions { DequantizationLevels = 256, QuantizationStep = 0 })).ParamName);
        Assert.Throws<ArgumentException>(() => ml.Transforms.Nice(new NiceOptions { LatentColumnName = "X", LogLikelihoodColumnName = "X" }));
    }

    [Fact]
    public void Fit_WithValuesOffTheQuantizationGrid_NamesTheRow()
    {
        var rows = Fixtures.Correlated(30);
        foreach (var r in rows) for (int j = 0; j < 4; j++) r.Features[j] = 3;
        rows[12].Features[3] = 300;
        var options = Fixtures.Small(1);
        options.DequantizationLevels = 256;
        var e = Assert.Throws<InvalidOperationException>(() => ml.Transforms.Nice(options).Fit(Fixtures.Data(ml, rows)));
        Assert.Contains("Row 12", e.Message);
        Assert.Contains("[0, 255]", e.Message);
    }
}
