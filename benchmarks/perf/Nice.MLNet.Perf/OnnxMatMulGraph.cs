using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Nice.MLNet.Perf;

/// <summary>
/// A hand-written ONNX model of the three GEMMs of one Linear layer's training step, for timing ONNX Runtime's MatMul (MLAS):
/// Y = X·W ([B,in]·[in,out]), GX = G·Wᵀ ([B,out]·[out,in]) and GW = Gᵀ·X ([out,B]·[B,in]); W and Wᵀ are initializers,
/// X [B,in], G [B,out] and GT [out,B] inputs. Written as raw protobuf so the benchmark needs no ONNX package.
/// </summary>
public static class OnnxMatMulGraph
{
    public static byte[] Build(int batch, int fanIn, int fanOut, int seed = 1)
    {
        var rng = new Random(seed);
        float[] Random(int n) { var v = new float[n]; for (int i = 0; i < n; i++) v[i] = (float)rng.NextDouble(); return v; }
        var graph = new Proto();
        graph.Message(1, Node("X", "W", "Y"));
        graph.Message(1, Node("G", "WT", "GX"));
        graph.Message(1, Node("GT", "X", "GW"));
        graph.String(2, "gemm");
        graph.Message(5, Tensor("W", new long[] { fanIn, fanOut }, Random(fanIn * fanOut)));
        graph.Message(5, Tensor("WT", new long[] { fanOut, fanIn }, Random(fanIn * fanOut)));
        graph.Message(11, ValueInfo("X", batch, fanIn));
        graph.Message(11, ValueInfo("G", batch, fanOut));
        graph.Message(11, ValueInfo("GT", fanOut, batch));
        graph.Message(12, ValueInfo("Y", batch, fanOut));
        graph.Message(12, ValueInfo("GX", batch, fanIn));
        graph.Message(12, ValueInfo("GW", fanOut, fanIn));
        var opset = new Proto();
        opset.String(1, "");
        opset.Varint(2, 13);
        var model = new Proto();
        model.Varint(1, 8);              // ir_version
        model.String(2, "nice-perf");    // producer_name
        model.Message(7, graph);
        model.Message(8, opset);
        return model.ToArray();
    }

    private static Proto Node(string a, string b, string y)
    {
        var n = new Proto();
        n.String(1, a);
        n.String(1, b);
        n.String(2, y);
        n.String(4, "MatMul");
        return n;
    }

    private static Proto Tensor(string name, long[] dims, float[] values)
    {
        var t = new Proto();
        foreach (var d in dims) t.Varint(1, (ulong)d);
        t.Varint(2, 1);                  // FLOAT
        t.String(8, name);
        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        t.Bytes(9, raw);
        return t;
    }

    private static Proto ValueInfo(string name, params long[] dims)
    {
        var shape = new Proto();
        foreach (var d in dims)
        {
            var dim = new Proto();
            dim.Varint(1, (ulong)d);
            shape.Message(1, dim);
        }
        var tensorType = new Proto();
        tensorType.Varint(1, 1);
        tensorType.Message(2, shape);
        var type = new Proto();
        type.Message(1, tensorType);
        var v = new Proto();
        v.String(1, name);
        v.Message(2, type);
        return v;
    }

    /// <summary>Protobuf wire format: varints (type 0) and length-delimited fields (type 2), nothing else is needed.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream buffer = new();

        public void Varint(int field, ulong value) { Key(field, 0); Raw(value); }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, Proto message) => Bytes(field, message.ToArray());

        public void Bytes(int field, byte[] value)
        {
            Key(field, 2);
            Raw((ulong)value.Length);
            buffer.Write(value);
        }

        public byte[] ToArray() => buffer.ToArray();

        private void Key(int field, int wireType) => Raw((ulong)(field << 3 | wireType));

        private void Raw(ulong v)
        {
            while (v >= 0x80) { buffer.WriteByte((byte)(v | 0x80)); v >>= 7; }
            buffer.WriteByte((byte)v);
        }
    }
}
