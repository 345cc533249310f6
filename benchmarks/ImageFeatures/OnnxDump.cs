using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Google.Protobuf;

namespace Nice.MLNet.ImageFeatures;

/// <summary>
/// Prints an ONNX model's graph (inputs, outputs, nodes with attributes, initializers with shape and value statistics)
/// by walking its protobuf fields (onnx.proto: ModelProto.graph = 7; GraphProto node 1, initializer 5, input 11, output 12).
/// </summary>
public static class OnnxDump
{
    public static void Print(string path, TextWriter output, int maxNodes = 40)
    {
        var bytes = File.ReadAllBytes(path);
        output.WriteLine($"{path} ({bytes.Length:N0} bytes)");
        foreach (var (n, w, v, s) in Fields(bytes))
        {
            if (n == 1) output.WriteLine($"  ir_version {v}");
            if (n == 2) output.WriteLine($"  producer {Encoding.UTF8.GetString(s)}");
            if (n == 8) output.WriteLine($"  opset {string.Join(" ", Fields(s).Select(f => f.N == 1 ? Encoding.UTF8.GetString(f.S) : f.V.ToString()))}");
            if (n == 7) Graph(s, output, maxNodes);
        }
    }

    private static void Graph(byte[] g, TextWriter output, int maxNodes)
    {
        foreach (var (n, _, _, s) in Fields(g))
        {
            if (n == 11) output.WriteLine($"  input  {ValueInfo(s)}");
            if (n == 12) output.WriteLine($"  output {ValueInfo(s)}");
        }
        foreach (var (n, _, _, s) in Fields(g))
        {
            if (n == 5) output.WriteLine($"  initializer {Tensor(s)}");
        }
        int count = 0;
        var ops = new Dictionary<string, int>();
        foreach (var (n, _, _, s) in Fields(g))
        {
            if (n != 1) continue;
            string op = "", name = "";
            var ins = new List<string>();
            var outs = new List<string>();
            var attrs = new List<string>();
            foreach (var f in Fields(s))
            {
                if (f.N == 1) ins.Add(Encoding.UTF8.GetString(f.S));
                if (f.N == 2) outs.Add(Encoding.UTF8.GetString(f.S));
                if (f.N == 3) name = Encoding.UTF8.GetString(f.S);
                if (f.N == 4) op = Encoding.UTF8.GetString(f.S);
                if (f.N == 5) attrs.Add(Attribute(f.S));
            }
            ops[op] = ops.GetValueOrDefault(op) + 1;
            if (count++ < maxNodes)
                output.WriteLine($"  node {op} ({string.Join(", ", ins)}) -> ({string.Join(", ", outs)}) {string.Join(" ", attrs)}");
        }
        output.WriteLine($"  {count} nodes: {string.Join(", ", ops.Select(kv => $"{kv.Key} x{kv.Value}"))}");
    }

    private static string ValueInfo(byte[] v)
    {
        string name = "";
        var dims = new List<string>();
        foreach (var f in Fields(v))
        {
            if (f.N == 1) name = Encoding.UTF8.GetString(f.S);
            if (f.N != 2) continue;                                    // TypeProto
            foreach (var t in Fields(f.S).Where(t => t.N == 1))        // tensor_type
                foreach (var shape in Fields(t.S).Where(x => x.N == 2)) // shape
                    foreach (var dim in Fields(shape.S).Where(x => x.N == 1))
                        foreach (var d in Fields(dim.S))
                            dims.Add(d.N == 1 ? d.V.ToString() : Encoding.UTF8.GetString(d.S));
        }
        return $"{name} [{string.Join(",", dims)}]";
    }

    private static string Attribute(byte[] a)
    {
        string name = "";
        var values = new List<string>();
        foreach (var f in Fields(a))
        {
            if (f.N == 1) name = Encoding.UTF8.GetString(f.S);
            if (f.N == 2) values.Add(BitConverter.Int32BitsToSingle((int)f.V).ToString("G6"));
            if (f.N == 3) values.Add(((long)f.V).ToString());
            if (f.N == 4) values.Add(Encoding.UTF8.GetString(f.S));
            if (f.N == 5) values.Add("tensor " + Tensor(f.S));
            if (f.N == 7) values.Add(string.Join(",", Floats(f)));
            if (f.N == 8) values.Add(string.Join(",", Ints(f)));
        }
        return $"{name}={string.Join("|", values)}";
    }

    private static string Tensor(byte[] t)
    {
        string name = "";
        var dims = new List<long>();
        long type = 0;
        float[] values = Array.Empty<float>();
        var floatData = new List<float>();
        foreach (var f in Fields(t))
        {
            if (f.N == 1) dims.AddRange(Ints(f));
            if (f.N == 2) type = (long)f.V;
            if (f.N == 4) floatData.AddRange(Floats(f));
            if (f.N == 8) name = Encoding.UTF8.GetString(f.S);
            if (f.N == 9 && type == 1) values = Enumerable.Range(0, f.S.Length / 4).Select(i => BitConverter.ToSingle(f.S, 4 * i)).ToArray();
        }
        if (floatData.Count > 0) values = floatData.ToArray();
        string stats = values.Length == 0 ? "" : values.Length <= 8 ? $" = {string.Join(", ", values.Select(x => x.ToString("G6")))}"
            : $" min {values.Min():G6} max {values.Max():G6} mean {values.Average():G6}";
        string planes = "";
        if (dims.Count >= 3 && dims[^3] == 3 && values.Length == dims.Aggregate(1L, (a, b) => a * b))
        {
            long plane = dims[^1] * dims[^2];
            planes = " per-plane mean " + string.Join(", ", Enumerable.Range(0, 3).Select(c => values.Skip((int)(c * plane)).Take((int)plane).Average().ToString("G6")));
        }
        return $"{name} type {type} [{string.Join(",", dims)}]{stats}{planes}";
    }

    private static IEnumerable<long> Ints(Field f)
    {
        if (f.W != WireFormat.WireType.LengthDelimited) { yield return (long)f.V; yield break; }
        var input = new CodedInputStream(f.S);
        while (!input.IsAtEnd) yield return input.ReadInt64();
    }

    private static IEnumerable<float> Floats(Field f)
    {
        if (f.W != WireFormat.WireType.LengthDelimited) { yield return BitConverter.Int32BitsToSingle((int)f.V); yield break; }
        var input = new CodedInputStream(f.S);
        while (!input.IsAtEnd) yield return input.ReadFloat();
    }

    private readonly record struct Field(int N, WireFormat.WireType W, ulong V, byte[] S);

    private static List<Field> Fields(byte[] message)
    {
        var list = new List<Field>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int n = WireFormat.GetTagFieldNumber(tag);
            var w = WireFormat.GetTagWireType(tag);
            switch (w)
            {
                case WireFormat.WireType.Varint: list.Add(new Field(n, w, input.ReadUInt64(), Array.Empty<byte>())); break;
                case WireFormat.WireType.Fixed32: list.Add(new Field(n, w, input.ReadFixed32(), Array.Empty<byte>())); break;
                case WireFormat.WireType.Fixed64: list.Add(new Field(n, w, input.ReadFixed64(), Array.Empty<byte>())); break;
                case WireFormat.WireType.LengthDelimited: list.Add(new Field(n, w, 0, input.ReadBytes().ToByteArray())); break;
                default: input.SkipLastField(); break;
            }
        }
        return list;
    }
}
