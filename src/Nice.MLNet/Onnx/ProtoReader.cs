using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Google.Protobuf;

namespace Nice.MLNet.Onnx;

/// <summary>A region of a byte array holding one protobuf message or one bytes field (no copy).</summary>
internal readonly record struct ProtoSlice(byte[] Buffer, int Offset, int Length)
{
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(Offset, Length);

    public string Utf8() => Encoding.UTF8.GetString(Buffer, Offset, Length);
}

/// <summary>One field of a message as read off the wire: a varint, a fixed 32/64-bit word, or a length-delimited slice.</summary>
internal readonly record struct ProtoField(int Number, WireFormat.WireType WireType, ulong Value, ProtoSlice Slice)
{
    /// <summary>The slice of a length-delimited field; throws <see cref="InvalidDataException"/> for other wire types.</summary>
    public ProtoSlice Bytes => WireType == WireFormat.WireType.LengthDelimited ? Slice
        : throw new InvalidDataException($"Not an ONNX model: protobuf field {Number} should be length-delimited but has wire type {WireType}");

    /// <summary>The value of a varint field.</summary>
    public long Varint => WireType == WireFormat.WireType.Varint ? unchecked((long)Value)
        : throw new InvalidDataException($"Not an ONNX model: protobuf field {Number} should be a varint but has wire type {WireType}");
}

/// <summary>
/// Walks protobuf messages with <see cref="CodedInputStream"/> over slices of one buffer, so embedded messages
/// and large blobs are never copied. Unknown fields are skipped; malformed input throws
/// <see cref="InvalidProtocolBufferException"/>.
/// </summary>
internal static class ProtoReader
{
    /// <summary>The fields of the message in <paramref name="message"/>, in wire order.</summary>
    public static IEnumerable<ProtoField> Fields(ProtoSlice message)
    {
        var input = new CodedInputStream(message.Buffer, message.Offset, message.Length);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int number = WireFormat.GetTagFieldNumber(tag);
            var wire = WireFormat.GetTagWireType(tag);
            switch (wire)
            {
                case WireFormat.WireType.Varint:
                    yield return new ProtoField(number, wire, input.ReadUInt64(), default);
                    break;
                case WireFormat.WireType.Fixed32:
                    yield return new ProtoField(number, wire, input.ReadFixed32(), default);
                    break;
                case WireFormat.WireType.Fixed64:
                    yield return new ProtoField(number, wire, input.ReadFixed64(), default);
                    break;
                case WireFormat.WireType.LengthDelimited:
                    int start = (int)input.Position;
                    input.SkipLastField();
                    int end = (int)input.Position;
                    int length = new CodedInputStream(message.Buffer, start, end - start).ReadLength();
                    yield return new ProtoField(number, wire, 0, new ProtoSlice(message.Buffer, end - length, length));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
    }

    /// <summary>A repeated int64 field, packed (one slice) or not (one varint per occurrence), appended to <paramref name="into"/>.</summary>
    public static void AddInt64s(ProtoField field, List<long> into)
    {
        if (field.WireType != WireFormat.WireType.LengthDelimited)
        {
            into.Add(field.Varint);
            return;
        }
        var input = new CodedInputStream(field.Slice.Buffer, field.Slice.Offset, field.Slice.Length);
        while (!input.IsAtEnd) into.Add(input.ReadInt64());
    }

    /// <summary>A repeated float field, packed or not, appended to <paramref name="into"/>.</summary>
    public static void AddFloats(ProtoField field, List<float> into)
    {
        if (field.WireType == WireFormat.WireType.Fixed32)
        {
            into.Add(BitConverter.Int32BitsToSingle(unchecked((int)(uint)field.Value)));
            return;
        }
        var input = new CodedInputStream(field.Bytes.Buffer, field.Slice.Offset, field.Slice.Length);
        while (!input.IsAtEnd) into.Add(input.ReadFloat());
    }
}
