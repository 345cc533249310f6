using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Onnx.Proto;
using Nice.MLNet.Persistence;
using Nice.MLNet.Tests.Anomaly;
using Xunit;

namespace Nice.MLNet.Tests.MLNet;

/// <summary>Zips saved once per test class (a transform and an anomaly detector); each test edits its own copy.</summary>
public sealed class SavedZips : IDisposable
{
    public SavedZips()
    {
        var ml = new MLContext(1);
        var data = Fixtures.Data(ml, Fixtures.Correlated(100));
        using (var model = ml.Transforms.Nice(Fixtures.Small(1)).Fit(data))
        {
            Transformer = Path.Combine(Dir, "transformer.zip");
            ml.Model.Save(model, data.Schema, Transformer);
        }
        using var detector = ml.AnomalyDetection.Trainers.Nice(new NiceAnomalyOptions { Nice = Fixtures.Small(1) })
            .Fit(data);
        Detector = Path.Combine(Dir, "detector.zip");
        ml.Model.Save(detector, data.Schema, Detector);
    }

    public string Dir { get; } = Directory.CreateTempSubdirectory("nice-saved-").FullName;
    public string Transformer { get; }
    public string Detector { get; }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

/// <summary>
/// Through the front door: a zip written by <c>mlContext.Model.Save</c> whose ONNX weights were edited inside a valid
/// archive is loaded by ML.NET's own <c>mlContext.Model.Load</c> (which knows nothing of Nice.MLNet's content hash)
/// in a fresh MLContext, and scoring it — Transform or a PredictionEngine — throws <see cref="InvalidDataException"/>
/// saying the file was altered, because the graph checks its own weights. Untouched zips, and zips saved before the
/// check existed, score as before.
/// </summary>
public sealed class ModelLoadIntegrityTests : IClassFixture<SavedZips>, IDisposable
{
    private readonly SavedZips saved;
    private readonly string dir = Directory.CreateTempSubdirectory("nice-modelload-").FullName;

    public ModelLoadIntegrityTests(SavedZips saved) => this.saved = saved;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Copy(bool detector, string name)
    {
        string path = Path.Combine(dir, name + (detector ? "-detector.zip" : "-transformer.zip"));
        File.Copy(detector ? saved.Detector : saved.Transformer, path);
        return path;
    }

    /// <summary>The flow's largest float32 weight (a coupling's hidden layer).</summary>
    private static TensorProto LargestWeight(ModelProto m)
        => m.Graph.Initializer.Where(t => t.DataType == 1 && t.Name.EndsWith(".weight", StringComparison.Ordinal))
            .OrderByDescending(t => t.RawData.Length).First();

    private static void Swap(byte[] raw, int i, int j)
    {
        for (int k = 0; k < 4; k++) (raw[4 * i + k], raw[4 * j + k]) = (raw[4 * j + k], raw[4 * i + k]);
    }

    /// <summary>Edits of one weight tensor (or, for "indices", of a coupling's int64 index set).</summary>
    private static void Apply(string edit, ModelProto m)
    {
        if (edit == "swapIndices")
        {
            // The longest int64 initializer: the column order the forward graph gathers the rows into before the
            // couplings (GraphLayout). Swapping two changes the order the nets see the dimensions in.
            var first = m.Graph.Initializer.Where(t => t.DataType == 7).OrderByDescending(t => t.RawData.Length).First();
            ModelZipEdits.EditRaw(first, raw =>
            {
                for (int k = 0; k < 8; k++) (raw[k], raw[8 + k]) = (raw[8 + k], raw[k]);
            });
            return;
        }
        var w = LargestWeight(m);
        int n = w.RawData.Length / 4, i = n / 2;
        ModelZipEdits.EditRaw(w, raw =>
        {
            switch (edit)
            {
                case "zero64": Array.Clear(raw, 4 * (i - 32), 256); break;
                case "highByte": raw[4 * i + 3] ^= 0xFF; break;          // sign and the upper 7 exponent bits
                case "signBit": raw[4 * i + 3] ^= 0x80; break;
                case "lowestExponentBit": raw[4 * i + 2] ^= 0x80; break; // ×2 or ÷2
                case "topSignificandBit": raw[4 * i + 2] ^= 0x40; break;
                case "swapTwo":
                {
                    var values = Enumerable.Range(0, n).Select(k => BitConverter.ToSingle(raw, 4 * k)).ToArray();
                    int j = Enumerable.Range(0, n).First(k => k != i && Math.Abs(values[k] - values[i]) > 1e-3);
                    Swap(raw, i, j);
                    break;
                }
                default: throw new ArgumentException(edit);
            }
        });
    }

    [Theory]
    [InlineData("zero64", false)]
    [InlineData("highByte", false)]
    [InlineData("signBit", false)]
    [InlineData("lowestExponentBit", false)]
    [InlineData("topSignificandBit", false)]
    [InlineData("swapTwo", false)]
    [InlineData("swapIndices", false)]
    [InlineData("zero64", true)]
    [InlineData("highByte", true)]
    [InlineData("swapTwo", true)]
    public void ModelLoad_OfAZipWhoseWeightsWereEdited_RefusesToScore(string edit, bool detector)
    {
        string path = Copy(detector, edit);
        ModelZipEdits.EditGraph(path, onnx => ModelZipEdits.EditModel(onnx, m => Apply(edit, m)));

        var ml = new MLContext(2);
        var loaded = ml.Model.Load(path, out _);
        var data = Fixtures.Data(ml, Fixtures.Correlated(10, seed: 5));
        var e = AltersAreRefused.Scoring(() => Fixtures.Column(loaded.Transform(data), detector ? "Score" : "LogLikelihood"));
        Assert.Contains("altered after it was saved", e.Message);
        Assert.Contains("LoadNice", e.Message);
        var row = Fixtures.Correlated(1, seed: 6)[0];
        var p = Assert.Throws<InvalidDataException>(() =>
        {
            if (detector) ml.Model.CreatePredictionEngine<VectorRow, AnomalyPrediction>(loaded).Predict(row);
            else ml.Model.CreatePredictionEngine<VectorRow, NicePrediction>(loaded).Predict(row);
        });
        Assert.Contains("altered after it was saved", p.Message);
        // And the library's loader names the file.
        var named = Assert.Throws<InvalidDataException>(() => ml.Model.LoadNice(path, out _));
        Assert.Contains(path, named.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ModelLoad_OfAnUntouchedZip_ScoresLikeTheLibrary_WithoutAnIntegrityColumn(bool detector)
    {
        string path = Copy(detector, "untouched");
        Assert.True(ModelZipEdits.Holds(path, CheckedLogLikelihoodFactory.ContractName));
        Assert.False(ModelZipEdits.Holds(path, LogLikelihoodScalarFactory.ContractName));
        AssertBothLoadersAgree(path, detector);
    }

    /// <summary>Zips saved by the library at commit 18be65d, before the graphs checked their own weights (no integrity
    /// output; the v1 CustomMapping): they still load with <c>mlContext.Model.Load</c> and score like the library's
    /// own loader.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ModelLoad_OfAZipSavedBeforeTheCheck_StillLoadsAndScores(bool detector)
    {
        string path = Path.Combine(dir, detector ? "old-detector.zip" : "old-transformer.zip");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "MLNet", "SavedBeforeIntegrity",
            detector ? "detector.zip" : "transformer.zip"), path);
        Assert.True(ModelZipEdits.Holds(path, LogLikelihoodScalarFactory.ContractName));
        Assert.False(ModelZipEdits.Holds(path, CheckedLogLikelihoodFactory.ContractName));
        AssertBothLoadersAgree(path, detector);
    }

    /// <summary>
    /// <c>mlContext.Model.Load</c> (fresh context) and the library's loader give the same user-visible columns and the
    /// same values within 1e-4, through Transform and a PredictionEngine.
    /// </summary>
    private static void AssertBothLoadersAgree(string path, bool detector)
    {
        var ml = new MLContext(3);
        var data = Fixtures.Data(ml, Fixtures.Correlated(30, seed: 7));
        var loaded = ml.Model.Load(path, out _);
        var viaMlNet = loaded.Transform(data);
        Assert.DoesNotContain(viaMlNet.Schema, c => c.Name.StartsWith("Nice", StringComparison.Ordinal));
        string column = detector ? "Score" : "LogLikelihood";
        float[] expected;
        string[] names;
        if (detector)
        {
            using var full = NiceAnomalyDetector.Load(ml, path);
            var view = full.Transform(data);
            expected = Fixtures.Column(view, column);
            names = view.Schema.Select(c => c.Name).ToArray();
        }
        else
        {
            using var full = NiceTransformer.Load(ml, path);
            var view = full.Transform(data);
            expected = Fixtures.Column(view, column);
            names = view.Schema.Select(c => c.Name).ToArray();
        }
        Assert.Equal(names, viaMlNet.Schema.Where(c => !c.IsHidden).Select(c => c.Name));
        var actual = Fixtures.Column(viaMlNet, column);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])),
                $"row {i}: library {expected[i]}, Model.Load {actual[i]}");
        var row = Fixtures.Correlated(30, seed: 7)[0];
        float predicted = detector
            ? ml.Model.CreatePredictionEngine<VectorRow, AnomalyPrediction>(loaded).Predict(row).Score
            : ml.Model.CreatePredictionEngine<VectorRow, NicePrediction>(loaded).Predict(row).LogLikelihood;
        Assert.True(Math.Abs(expected[0] - predicted) <= 1e-4 * Math.Max(1, Math.Abs(expected[0])),
            $"PredictionEngine {predicted}, library {expected[0]}");
    }
}
