using System;
using System.Collections.Generic;
using Google.Protobuf;

namespace Nice.MLNet.Onnx;

/// <summary>
/// A protobuf message written by hand in wire format: an ordered list of fields (varints, floats, strings,
/// byte blobs, nested messages). Sizes are computed up front, so a model of any size up to protobuf's 2 GB
/// limit is written into one exactly sized array, and large blobs (weights) are never copied twice.
/// </summary>
internal sealed class ProtoMessage
{
    private readonly List<Field> fields = new();
    private long size = -1;

    private enum Kind { Varint, Float, Bytes, Message }

    private readonly record struct Field(int Number, Kind Kind, long Varint, float Float, ReadOnlyMemory<byte> Bytes, ProtoMessage? Message);

    /// <summary>Adds a varint field (int32, int64, enum, bool).</summary>
    public ProtoMessage Varint(int number, long value) => Add(new Field(number, Kind.Varint, value, 0, default, null));

    /// <summary>Adds a 32-bit float field.</summary>
    public ProtoMessage Float(int number, float value) => Add(new Field(number, Kind.Float, 0, value, default, null));

    /// <summary>Adds a UTF-8 string field.</summary>
    public ProtoMessage String(int number, string value) => Bytes(number, System.Text.Encoding.UTF8.GetBytes(value));

    /// <summary>Adds a bytes field; the memory is referenced, not copied, until <see cref="ToByteArray"/>.</summary>
    public ProtoMessage Bytes(int number, ReadOnlyMemory<byte> value) => Add(new Field(number, Kind.Bytes, 0, 0, value, null));

    /// <summary>Adds an embedded message field.</summary>
    public ProtoMessage Message(int number, ProtoMessage value) => Add(new Field(number, Kind.Message, 0, 0, default, value));

    private ProtoMessage Add(Field f)
    {
        if (f.Number < 1) throw new ArgumentOutOfRangeException(nameof(f), f.Number, "Field numbers start at 1.");
        fields.Add(f);
        size = -1;
        return this;
    }

    /// <summary>The serialized size in bytes.</summary>
    public long Size
    {
        get
        {
            if (size >= 0) return size;
            long s = 0;
            foreach (var f in fields)
            {
                s += CodedOutputStream.ComputeTagSize(f.Number);
                s += f.Kind switch
                {
                    Kind.Varint => CodedOutputStream.ComputeInt64Size(f.Varint),
                    Kind.Float => 4,
                    Kind.Bytes => LengthPrefixed(f.Bytes.Length),
                    _ => LengthPrefixed(f.Message!.Size),
                };
            }
            return size = s;
        }
    }

    private static long LengthPrefixed(long length)
    {
        if (length > int.MaxValue) throw new NotSupportedException("An ONNX (protobuf) message cannot exceed 2 GB.");
        return CodedOutputStream.ComputeLengthSize((int)length) + length;
    }

    /// <summary>The message's bytes.</summary>
    public byte[] ToByteArray()
    {
        if (Size > int.MaxValue) throw new NotSupportedException($"The ONNX model would take {Size} bytes; protobuf cannot exceed 2 GB.");
        var buffer = new byte[Size];
        var output = new CodedOutputStream(buffer);
        WriteTo(output);
        output.CheckNoSpaceLeft();
        return buffer;
    }

    private void WriteTo(CodedOutputStream output)
    {
        foreach (var f in fields)
        {
            switch (f.Kind)
            {
                case Kind.Varint:
                    output.WriteTag(f.Number, WireFormat.WireType.Varint);
                    output.WriteInt64(f.Varint);
                    break;
                case Kind.Float:
                    output.WriteTag(f.Number, WireFormat.WireType.Fixed32);
                    output.WriteFloat(f.Float);
                    break;
                case Kind.Bytes:
                    output.WriteTag(f.Number, WireFormat.WireType.LengthDelimited);
                    output.WriteBytes(UnsafeByteOperations.UnsafeWrap(f.Bytes));
                    break;
                case Kind.Message:
                    output.WriteTag(f.Number, WireFormat.WireType.LengthDelimited);
                    output.WriteLength((int)f.Message!.Size);
                    f.Message.WriteTo(output);
                    break;
            }
        }
    }
}
