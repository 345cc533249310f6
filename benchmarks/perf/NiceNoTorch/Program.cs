using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Nice.MLNet;

// nice-no-torch MODEL.zip DATA.bin: mlContext.Model.Load (OnnxTransformer) and NiceTransformer.Load, without libtorch.
var ml = new MLContext(1);
int d = 784;
var raw = File.ReadAllBytes(args[1]);
var rows = Enumerable.Range(0, 4).Select(i => { var f = new float[d]; Buffer.BlockCopy(raw, i * d * 4, f, 0, d * 4); return new Row { Features = f }; });
var def = SchemaDefinition.Create(typeof(Row));
def[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
var view = ml.Data.LoadFromEnumerable(rows, def);
try
{
    var loaded = ml.Model.Load(args[0], out _);
    var ll = loaded.Transform(view).GetColumn<float>("LogLikelihood").ToArray();
    Console.WriteLine($"mlContext.Model.Load without libtorch: OK, LL of row 0 = {ll[0]}");
}
catch (Exception e) { Console.WriteLine($"mlContext.Model.Load without libtorch: {e.GetType().Name}: {e.Message.Split('\n')[0]}"); }
try
{
    using var nice = NiceTransformer.Load(ml, args[0]);
    Console.WriteLine($"NiceTransformer.Load without libtorch: OK, D = {nice.Dimension}");
}
catch (Exception e) { Console.WriteLine($"NiceTransformer.Load without libtorch: {e.GetType().Name}: {e.Message.Split('\n')[0]}"); }
return 0;

public sealed class Row { public float[] Features = Array.Empty<float>(); }
