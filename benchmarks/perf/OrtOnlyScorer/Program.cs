using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Microsoft.ML.OnnxRuntime;

// ort-only-scorer MODEL.zip DATA.bin ROWS [THREADS] [EXPECT-LL.bin]
// Finds the NICE flow's ONNX graph in an ML.NET model zip (OnnxTransformer's entry "OnnxModel": Int32 length, then the bytes),
// (or reads a .onnx file) and scores ROWS rows of DATA.bin (float32, row-major) in batches of 512 (one row per run when the
// graph's input is [D], as the graph OnnxTransformer stores in the zip is) and prints rows/s and, with EXPECT-LL.bin, the largest
// difference to the library's own log-likelihoods.
if (args.Length < 3) { Console.Error.WriteLine("usage: ort-only-scorer MODEL.zip DATA.bin ROWS [THREADS] [EXPECT-LL.bin]"); return 2; }
byte[] onnx;
if (args[0].EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) onnx = File.ReadAllBytes(args[0]);   // e.g. ExportOnnx's batched graph
else using (var zip = ZipFile.OpenRead(args[0]))
{
    var entry = zip.Entries.Where(e => e.Name == "OnnxModel").OrderBy(e => e.FullName, StringComparer.Ordinal).FirstOrDefault()
        ?? throw new InvalidDataException($"{args[0]}: no OnnxModel entry.");
    using var s = entry.Open();
    using var m = new MemoryStream();
    s.CopyTo(m);
    var bytes = m.ToArray();
    onnx = bytes.AsSpan(4, BitConverter.ToInt32(bytes, 0)).ToArray();
}
int rows = int.Parse(args[2]);
int threads = args.Length > 3 ? int.Parse(args[3]) : 1;
using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
using var session = new InferenceSession(onnx, options);
string input = session.InputNames[0];
var dims = session.InputMetadata[input].Dimensions;
int d = dims[^1];
bool batched = dims.Length == 2;
var raw = File.ReadAllBytes(args[1]);
var data = new float[rows * d];
Buffer.BlockCopy(raw, 0, data, 0, data.Length * 4);
var ll = new float[rows];
int batch = batched ? 512 : 1;
var clock = Stopwatch.StartNew();
for (int start = 0; start < rows; start += batch)
{
    int n = Math.Min(batch, rows - start);
    using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, data.AsMemory(start * d, n * d), batched ? new long[] { n, d } : new long[] { d });
    using var y = session.Run(new RunOptions(), new[] { input }, new[] { x }, session.OutputNames);
    y[1].GetTensorDataAsSpan<float>().CopyTo(ll.AsSpan(start, n));
}
Console.WriteLine($"scored {rows} rows of D = {d} with ONNX Runtime alone ({threads} thread(s), {(batched ? "batches of 512" : "one row per run: the zip holds the [D] graph")}): {rows / clock.Elapsed.TotalSeconds:F0} rows/s (first pass, incl. warm-up); outputs {string.Join(", ", session.OutputNames)}");
if (args.Length > 4)
{
    var e = new float[new FileInfo(args[4]).Length / 4];
    Buffer.BlockCopy(File.ReadAllBytes(args[4]), 0, e, 0, e.Length * 4);
    Console.WriteLine($"max |LL - library LL| over {e.Length} rows: {e.Zip(ll, (a, b) => Math.Abs(a - b)).Max():G3} nats");
}
return 0;
