using System;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Microsoft.ML;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Onnx;
using Nice.MLNet.Onnx.Proto;
using Xunit;

namespace Nice.MLNet.Tests.MLNet;

/// <summary>
/// A model zip whose NICE graph was edited after saving — weights zeroed, one byte flipped, the prior changed in the
/// metadata — is refused by every Nice.MLNet loader, with the file named, even though the zip itself is valid (its
/// CRCs are rewritten); ML.NET's <c>mlContext.Model.Load</c> refuses to score one whose weights were edited. A file
/// without a content hash (saved before hashes existed) still loads.
/// </summary>
public sealed class ModelIntegrityTests : IDisposable
{
    private readonly MLContext ml = new(1);
    private readonly string dir = Directory.CreateTempSubdirectory("nice-integrity-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string SaveTransformer()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(100));
        using var model = ml.Transforms.Nice(Fixtures.Small(1)).Fit(data);
        string path = Path.Combine(dir, "transformer.zip");
        ml.Model.Save(model, data.Schema, path);
        return path;
    }

    private string SaveDetector()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(100));
        using var detector = ml.AnomalyDetection.Trainers.Nice(new NiceAnomalyOptions { Nice = Fixtures.Small(1) }).Fit(data);
        string path = Path.Combine(dir, "detector.zip");
        ml.Model.Save(detector, data.Schema, path);
        return path;
    }

    /// <summary>
    /// The Nice.MLNet loaders refuse the file by name; with <paramref name="weightsEdited"/>, ML.NET's own
    /// <c>mlContext.Model.Load</c> (in a fresh context) loads it but refuses to score it, through Transform and
    /// through a PredictionEngine, because the graph checks its own weights.
    /// </summary>
    private void AssertRefusedByEveryLoader(string path, bool detector, bool weightsEdited = true)
    {
        var a = Assert.Throws<InvalidDataException>(() => NiceTransformer.Load(ml, path));
        Assert.Contains(path, a.Message);
        Assert.Contains("content hash", a.Message);
        var b = Assert.Throws<InvalidDataException>(() => ml.Model.LoadNice(path, out _));
        Assert.Contains(path, b.Message);
        if (detector)
        {
            var c = Assert.Throws<InvalidDataException>(() => NiceAnomalyDetector.Load(ml, path));
            Assert.Contains(path, c.Message);
        }
        if (!weightsEdited) return;
        var fresh = new MLContext(2);
        var loaded = fresh.Model.Load(path, out _);
        var data = Fixtures.Data(fresh, Fixtures.Correlated(5, seed: 3));
        var d = AltersAreRefused.Scoring(
            () => Fixtures.Column(loaded.Transform(data), detector ? "Score" : "LogLikelihood"));
        Assert.Contains("altered after it was saved", d.Message);
        var row = Fixtures.Correlated(1, seed: 4)[0];
        if (detector)
            Assert.Throws<InvalidDataException>(
                () => fresh.Model.CreatePredictionEngine<VectorRow, Anomaly.AnomalyPrediction>(loaded).Predict(row));
        else
            Assert.Throws<InvalidDataException>(
                () => fresh.Model.CreatePredictionEngine<VectorRow, NicePrediction>(loaded).Predict(row));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ZeroedWeights_AreRefused(bool detector)
    {
        string path = detector ? SaveDetector() : SaveTransformer();
        ModelZipEdits.EditGraph(path, onnx => ModelZipEdits.EditModel(onnx, m =>
        {
            var weights = m.Graph.Initializer.First(t => t.RawData.Length >= 256 && t.DataType == 1);
            var raw = weights.RawData.ToByteArray();
            Array.Clear(raw, 0, 256);
            weights.RawData = ByteString.CopyFrom(raw);
        }));
        AssertRefusedByEveryLoader(path, detector);
    }

    [Fact]
    public void OneFlippedByteInAWeight_IsRefused()
    {
        string path = SaveTransformer();
        ModelZipEdits.EditGraph(path, onnx => ModelZipEdits.EditModel(onnx, m =>
        {
            var weights = m.Graph.Initializer.First(t => t.DataType == 1 && t.RawData.Length > 8);
            var raw = weights.RawData.ToByteArray();
            raw[5] ^= 0x01;
            weights.RawData = ByteString.CopyFrom(raw);
        }));
        AssertRefusedByEveryLoader(path, detector: false);
    }

    [Fact]
    public void ThePriorChangedInTheMetadata_IsRefused()
    {
        string path = SaveTransformer();
        ModelZipEdits.EditGraph(path, onnx => ModelZipEdits.EditModel(onnx, m =>
        {
            var config = m.MetadataProps.Single(e => e.Key == NiceOnnxMetadata.ConfigKey);
            Assert.Contains("\"Logistic\"", config.Value);
            config.Value = config.Value.Replace("\"Logistic\"", "\"Gaussian\"");
        }));
        AssertRefusedByEveryLoader(path, detector: false, weightsEdited: false);
    }

    /// <summary>A zip saved before content hashes existed: one saved by the library before the graphs checked their own
    /// weights (commit 18be65d, <c>SavedBeforeIntegrity/transformer.zip</c>), without its hash.</summary>
    [Fact]
    public void AFileWithoutAHash_AsSavedBeforeHashesExisted_StillLoads()
    {
        string path = Path.Combine(dir, "old.zip");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "MLNet", "SavedBeforeIntegrity", "transformer.zip"), path);
        var data = Fixtures.Data(ml, Fixtures.Correlated(20, seed: 3));
        float[] before;
        using (var original = NiceTransformer.Load(ml, path)) before = Fixtures.Column(original.Transform(data), "LogLikelihood");
        ModelZipEdits.EditGraph(path, onnx => ModelZipEdits.EditModel(onnx, m =>
        {
            var hash = m.MetadataProps.Single(e => e.Key == NiceOnnxMetadata.ContentHashKey);
            Assert.StartsWith(ContentHash.Prefix, hash.Value);
            m.MetadataProps.Remove(hash);
        }));
        using var old = NiceTransformer.Load(ml, path);
        Assert.Equal(before, Fixtures.Column(old.Transform(data), "LogLikelihood"));
    }

    /// <summary>
    /// A zip saved now carries both checks; removing the content hash (to get an edited file past the Nice.MLNet
    /// loaders as "saved before hashes existed") is itself refused.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ANewFileWhoseHashWasRemoved_IsRefused(bool detector)
    {
        string path = detector ? SaveDetector() : SaveTransformer();
        ModelZipEdits.EditGraph(path, onnx => ModelZipEdits.EditModel(onnx, m =>
            m.MetadataProps.Remove(m.MetadataProps.Single(e => e.Key == NiceOnnxMetadata.ContentHashKey))));
        var e = Assert.Throws<InvalidDataException>(() => ml.Model.LoadNice(path, out _));
        Assert.Contains(path, e.Message);
        Assert.Contains("content hash", e.Message);
        Assert.Contains("was removed", e.Message);
        Assert.Throws<InvalidDataException>(() => NiceTransformer.Load(ml, path));
        if (detector) Assert.Throws<InvalidDataException>(() => NiceAnomalyDetector.Load(ml, path));
    }
}
