using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet;

// nice-no-torch MODEL.zip [ROWS]: loads a saved pipeline with mlContext.Model.LoadNice and scores ROWS random rows
// (default 2048) batched; says whether libtorch was loaded into the process and how fast it scored.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: nice-no-torch MODEL.zip [ROWS]");
    return 2;
}
var ml = new MLContext(1);
int n = args.Length > 1 ? int.Parse(args[1]) : 2048;
var model = ml.Model.LoadNice(args[0], out var schema);
var input = schema.First(c => c.Type is VectorDataViewType);
int d = ((VectorDataViewType)input.Type).Size;
var rng = new Random(1);
var rows = Enumerable.Range(0, n)
    .Select(_ => new Row { Features = Enumerable.Range(0, d).Select(_ => (float)rng.NextDouble()).ToArray() })
    .ToArray();
var definition = SchemaDefinition.Create(typeof(Row));
definition[0].ColumnName = input.Name;
definition[0].ColumnType = input.Type;
var view = ml.Data.LoadFromEnumerable(rows, definition);
var clock = Stopwatch.StartNew();
var ll = model.Transform(view).GetColumn<float>("LogLikelihood").ToArray();
double seconds = clock.Elapsed.TotalSeconds;
var maps = File.Exists("/proc/self/maps") ? File.ReadAllText("/proc/self/maps") : "";
Console.WriteLine($"scored {ll.Length} rows of D = {d} in {seconds:F2} s ({ll.Length / seconds:F0} rows/s, "
    + "first pass), "
    + $"mean log-likelihood {ll.Average():F3}");
Console.WriteLine($"libtorch loaded: {maps.Contains("libtorch") || maps.Contains("LibTorchSharp")}; "
    + $"ONNX Runtime loaded: {maps.Contains("libonnxruntime")}");
return 0;

public sealed class Row
{
    public float[] Features = Array.Empty<float>();
}
