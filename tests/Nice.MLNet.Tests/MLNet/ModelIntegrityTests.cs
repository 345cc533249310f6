using System;
using System.IO;
using System.IO.Compression;
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
/// CRCs are rewritten). A file without a content hash (saved before hashes existed) still loads.
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

    /// <summary>Replaces the zip's one ONNX graph by <paramref name="edit"/>(graph), writing a valid zip.</summary>
    private static void EditGraph(string path, Func<byte[], byte[]> edit)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.Entries.Single(e => e.Name == "OnnxModel");
        byte[] stored;
        using (var s = entry.Open())
        using (var m = new MemoryStream())
        {
            s.CopyTo(m);
            stored = m.ToArray();
        }
        var graph = edit(stored[4..]);
        string name = entry.FullName;
        entry.Delete();
        using var output = zip.CreateEntry(name).Open();
        output.Write(BitConverter.GetBytes(graph.Length));
        output.Write(graph);
    }

    private static byte[] EditModel(byte[] onnx, Action<ModelProto> edit)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        edit(model);
        return model.ToByteArray();
    }

    private void AssertRefusedByEveryLoader(string path, bool detector)
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
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ZeroedWeights_AreRefused(bool detector)
    {
        string path = detector ? SaveDetector() : SaveTransformer();
        EditGraph(path, onnx => EditModel(onnx, m =>
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
        EditGraph(path, onnx => EditModel(onnx, m =>
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
        EditGraph(path, onnx => EditModel(onnx, m =>
        {
            var config = m.MetadataProps.Single(e => e.Key == NiceOnnxMetadata.ConfigKey);
            Assert.Contains("\"Logistic\"", config.Value);
            config.Value = config.Value.Replace("\"Logistic\"", "\"Gaussian\"");
        }));
        AssertRefusedByEveryLoader(path, detector: false);
    }

    [Fact]
    public void AFileWithoutAHash_AsSavedBeforeHashesExisted_StillLoads()
    {
        string path = SaveTransformer();
        var data = Fixtures.Data(ml, Fixtures.Correlated(20, seed: 3));
        float[] before;
        using (var original = NiceTransformer.Load(ml, path)) before = Fixtures.Column(original.Transform(data), "LogLikelihood");
        EditGraph(path, onnx => EditModel(onnx, m =>
        {
            var hash = m.MetadataProps.Single(e => e.Key == NiceOnnxMetadata.ContentHashKey);
            Assert.StartsWith(ContentHash.Prefix, hash.Value);
            m.MetadataProps.Remove(hash);
        }));
        using var old = NiceTransformer.Load(ml, path);
        Assert.Equal(before, Fixtures.Column(old.Transform(data), "LogLikelihood"));
    }
}
