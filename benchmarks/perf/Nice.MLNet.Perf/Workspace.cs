using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Nice.MLNet.Perf;

/// <summary>
/// The files every engine reads, written once per run so all of them see the same data and the same model: random rows
/// (data.bin, float32 row-major), a NICE model trained for one epoch through the public API (model.zip), its ONNX graph
/// (model.onnx, from <see cref="NiceTransformer.ExportOnnx"/>), its parameters for PyTorch (params.bin) and the library's
/// own TorchSharp scores of the first rows (expect-ll.bin, expect-latent.bin) to check the other engines' values
/// against.
/// </summary>
public sealed class Workspace
{
    public const int CheckRows = 512;

    public Workspace(string folder) => Folder = Path.GetFullPath(folder);

    public string Folder { get; }
    public string Data => Path.Combine(Folder, "data.bin");
    public string Zip => Path.Combine(Folder, "model.zip");
    public string Onnx => Path.Combine(Folder, "model.onnx");
    public string Params => Path.Combine(Folder, "params.bin");
    public string ExpectLogLikelihood => Path.Combine(Folder, "expect-ll.bin");
    public string ExpectLatent => Path.Combine(Folder, "expect-latent.bin");

    public void Prepare(ModelShape shape, int rows, TextWriter log)
    {
        Directory.CreateDirectory(Folder);
        var data = RandomRows(rows, shape.Dimension, seed: 7);
        WriteFloats(Data, data);
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromEnumerable(Rows(data, shape.Dimension, Math.Min(rows, 1024)), Definition(shape.Dimension));
        using var model = ml.Transforms.Nice(new NiceOptions
        {
            Couplings = shape.Couplings, HiddenLayers = shape.HiddenLayers, HiddenWidth = shape.Width,
            Epochs = 1, BatchSize = 256, ValidationFraction = 0, Seed = 1, ScoringBatchSize = 512,
            ScoringEngine = NiceScoringEngine.TorchSharp,   // the expected scores below are TorchSharp's
            // The paper's plain NICE, as PyTorch builds it: not the tabular rule's ensemble and input normalization.
            EnsembleMembers = 1, InputNormalization = false, Smoothing = 0, DetectColumnKinds = false,
        }).Fit(view);
        ml.Model.Save(model, view.Schema, Zip);
        using (var f = File.Create(Onnx)) model.ExportOnnx(f);
        using (var w = new BinaryWriter(File.Create(Params)))
            foreach (var p in model.GetParameters())
            {
                var name = System.Text.Encoding.UTF8.GetBytes(p.Name);
                w.Write(name.Length);
                w.Write(name);
                w.Write(p.Values.Length);
                foreach (var v in p.Values) w.Write(v);
            }
        var check = Rows(data, shape.Dimension, Math.Min(rows, CheckRows)).Select(r => r.Features).ToArray();
        WriteFloats(ExpectLogLikelihood, model.LogLikelihood(check));
        WriteFloats(ExpectLatent, model.Encode(check).SelectMany(z => z).ToArray());
        log.WriteLine($"workspace {Folder}: {rows} random rows, model {shape} (1 epoch on {Math.Min(rows, 1024)} rows), " +
                      $"{new FileInfo(Onnx).Length / 1e6:F1} MB ONNX graph");
    }

    public static float[] RandomRows(int rows, int d, int seed)
    {
        var rng = new Random(seed);
        var x = new float[(long)rows * d];
        for (long i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        return x;
    }

    public static float[] ReadFloats(string path, long count = -1)
    {
        var bytes = File.ReadAllBytes(path);
        long n = count < 0 ? bytes.Length / 4 : count;
        if (n * 4 > bytes.Length) throw new InvalidDataException($"{path}: holds {bytes.Length / 4} floats, {n} needed.");
        var v = new float[n];
        Buffer.BlockCopy(bytes, 0, v, 0, (int)(n * 4));
        return v;
    }

    public static void WriteFloats(string path, float[] values)
    {
        var bytes = new byte[values.Length * 4L];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(path, bytes);
    }

    public static IEnumerable<Row> Rows(float[] flat, int d, int rows)
    {
        for (int i = 0; i < rows; i++) yield return new Row { Features = flat.AsSpan(i * d, d).ToArray() };
    }

    public static SchemaDefinition Definition(int d)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        return definition;
    }

    public sealed class Row
    {
        public float[] Features = Array.Empty<float>();
    }
}
