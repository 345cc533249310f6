using System.Collections.Generic;
using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace Nice.MLNet.Tests.MLNet;

public sealed class PersistenceTests : IDisposable
{
    private readonly MLContext ml = new(seed: 1);
    private readonly string dir = Directory.CreateTempSubdirectory("nice-persist-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static void AssertClose(float expected, float actual, string what)
        => Assert.True(Math.Abs(expected - actual) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{what}: fitted {expected}, loaded {actual}");

    [Fact]
    public void LoadedModel_AppendsSameColumnsWithSameTypesAndValues()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(300));
        using var model = ml.Transforms.Nice(Fixtures.Small()).Fit(data);
        string path = Path.Combine(dir, "nice.zip");
        ml.Model.Save(model, data.Schema, path);

        var loaded = new MLContext().Model.Load(path, out var inputSchema);
        Assert.Equal(data.Schema["Features"].Type, inputSchema["Features"].Type);
        var fitted = model.Transform(data);
        var reloaded = loaded.Transform(data);
        Assert.Equal(NumberDataViewType.Single, reloaded.Schema["LogLikelihood"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 4), reloaded.Schema["Latent"].Type);
        Assert.Null(reloaded.Schema.GetColumnOrNull(Persistence.LogLikelihoodScalarFactory.VectorColumn));
        var a = Fixtures.Column(fitted, "LogLikelihood");
        var b = Fixtures.Column(reloaded, "LogLikelihood");
        for (int i = 0; i < a.Length; i++) AssertClose(a[i], b[i], $"LogLikelihood row {i}");
        var za = Fixtures.VectorColumn(fitted, "Latent");
        var zb = Fixtures.VectorColumn(reloaded, "Latent");
        for (int i = 0; i < za.Length; i++) for (int j = 0; j < 4; j++) AssertClose(za[i][j], zb[i][j], $"Latent[{i}][{j}]");
    }

    [Fact]
    public void Pipeline_WithNormalizerAndDequantizedNice_RoundTrips_AndPredictionEngineWorksOnBoth()
    {
        var digits = Fixtures.Digits(ml);
        var options = Fixtures.Small(2);
        options.DequantizationLevels = 17;
        options.LogLikelihoodColumnName = "LL";
        var pipeline = ml.Transforms.CopyColumns("Raw", "Features").Append(ml.Transforms.Nice(options));
        var model = pipeline.Fit(digits);
        string path = Path.Combine(dir, "pipeline.zip");
        ml.Model.Save(model, digits.Schema, path);
        var loaded = new MLContext().Model.Load(path, out _);
        var a = Fixtures.Column(model.Transform(digits), "LL");
        var b = Fixtures.Column(loaded.Transform(digits), "LL");
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i += 13) AssertClose(a[i], b[i], $"LL row {i}");

        var row = new Fixtures.DigitRow { Features = Fixtures.VectorColumn(digits, "Features")[5] };
        var fittedEngine = ml.Model.CreatePredictionEngine<Fixtures.DigitRow, DigitLl>(model);
        var loadedEngine = ml.Model.CreatePredictionEngine<Fixtures.DigitRow, DigitLl>(loaded);
        AssertClose(a[5], fittedEngine.Predict(row).LL, "fitted engine");
        AssertClose(a[5], loadedEngine.Predict(row).LL, "loaded engine");
    }

    public sealed class DigitLl { public float LL; }

    [Fact]
    public void FullReload_FromTheSameZip_ScoresSamplesAndKeepsHistory()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(300));
        var model = ml.Transforms.NormalizeMinMax("Features").Append(ml.Transforms.Nice(Fixtures.Small())).Fit(data);
        string path = Path.Combine(dir, "full.zip");
        ml.Model.Save(model, data.Schema, path);
        // NICE follows a normalizer, so NiceTransformer.Load refuses the zip (it would expect normalized rows);
        // LoadNice gives the whole pipeline back with the NICE step as a full NiceTransformer.
        Assert.Throws<InvalidOperationException>(() => NiceTransformer.Load(ml, path));
        var pipeline = ml.Model.LoadNice(path, out _);
        using var nice = Assert.IsType<NiceTransformer>(((IEnumerable<ITransformer>)pipeline).Last());
        var normalized = model.Take(1).Aggregate(data, (d, t) => t.Transform(d));
        var expected = Fixtures.Column(model.LastTransformer.Transform(normalized), "LogLikelihood");
        var actual = Fixtures.Column(nice.Transform(normalized), "LogLikelihood");
        Assert.Equal(expected, actual);
        Assert.Equal(model.LastTransformer.TrainingSummary!.History.Count, nice.TrainingSummary!.History.Count);
        Assert.Equal(model.LastTransformer.LogScale, nice.LogScale);
        Assert.Equal(model.LastTransformer.Sample(5, 0.5, seed: 3), nice.Sample(5, 0.5, seed: 3));
    }

    [Fact]
    public void Load_OfMissingTruncatedOrForeignFile_IsRefusedWithTheFileName()
    {
        string missing = Path.Combine(dir, "missing.zip");
        Assert.Contains("missing.zip", Assert.Throws<FileNotFoundException>(() => NiceTransformer.Load(ml, missing)).Message);

        var data = Fixtures.Data(ml, Fixtures.Correlated(50));
        using var model = ml.Transforms.Nice(Fixtures.Small(1)).Fit(data);
        string good = Path.Combine(dir, "good.zip");
        ml.Model.Save(model, data.Schema, good);
        var bytes = File.ReadAllBytes(good);
        string truncated = Path.Combine(dir, "truncated.zip");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => NiceTransformer.Load(ml, truncated));
        Assert.Contains("truncated.zip", e.Message);

        string foreign = Path.Combine(dir, "foreign.zip");
        ml.Model.Save(ml.Transforms.NormalizeMinMax("Features").Fit(data), data.Schema, foreign);
        Assert.Contains("holds no NICE model", Assert.Throws<InvalidDataException>(() => NiceTransformer.Load(ml, foreign)).Message);

        string text = Path.Combine(dir, "text.zip");
        File.WriteAllText(text, "not a zip");
        Assert.Contains("text.zip", Assert.Throws<InvalidDataException>(() => NiceTransformer.Load(ml, text)).Message);
    }

    [Fact]
    public void SaveAtomically_WhenSavingFails_LeavesNoFileAndKeepsTheOldOne()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(50));
        var model = ml.Transforms.Nice(Fixtures.Small(1)).Fit(data);
        string path = Path.Combine(dir, "model.zip");
        ml.Model.SaveAtomically(model, data.Schema, path);
        var before = File.ReadAllBytes(path);
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ml.Model.SaveAtomically(model, data.Schema, path));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir));
        string fresh = Path.Combine(dir, "fresh.zip");
        Assert.Throws<ObjectDisposedException>(() => ml.Model.SaveAtomically(model, data.Schema, fresh));
        Assert.False(File.Exists(fresh));
    }

    [Fact]
    public void ExportOnnx_RunsInOnnxRuntime_WithTheTransformsScores()
    {
        var rows = Fixtures.Correlated(64);
        var data = Fixtures.Data(ml, rows);
        using var model = ml.Transforms.Nice(Fixtures.Small()).Fit(data);
        var stream = new MemoryStream();
        model.ExportOnnx(stream);
        using var session = new InferenceSession(stream.ToArray());
        var input = new DenseTensor<float>(rows.SelectMany(r => r.Features).ToArray(), new[] { rows.Length, 4 });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("Features", input) });
        var ll = results.Single(r => r.Name == "LogLikelihood").AsEnumerable<float>().ToArray();
        var expected = Fixtures.Column(model.Transform(data), "LogLikelihood");
        for (int i = 0; i < rows.Length; i++) AssertClose(expected[i], ll[i], $"row {i}");

        var inverse = new MemoryStream();
        model.ExportOnnxInverse(inverse);
        using var inv = new InferenceSession(inverse.ToArray());
        var latent = model.Encode(rows.Select(r => r.Features).ToArray());
        var z = new DenseTensor<float>(latent.SelectMany(r => r).ToArray(), new[] { rows.Length, 4 });
        using var back = inv.Run(new[] { NamedOnnxValue.CreateFromTensor("Latent", z) });
        var x = back.Single().AsEnumerable<float>().ToArray();
        for (int i = 0; i < rows.Length; i++) for (int j = 0; j < 4; j++) AssertClose(rows[i].Features[j], x[i * 4 + j], $"inverse [{i}][{j}]");
    }
}
