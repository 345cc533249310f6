using System;
using Nice.MLNet.Onnx.Proto;
using AttributeType = Nice.MLNet.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace Nice.MLNet.Onnx;

/// <summary>An ONNX node attribute: an int or a float (AttributeProto types INT = 2, FLOAT = 1).</summary>
internal readonly record struct OnnxAttribute(string Name, long? Int = null, float? Float = null)
{
    public static OnnxAttribute Of(string name, long value) => new(name, Int: value);
    public static OnnxAttribute Of(string name, float value) => new(name, Float: value);

    /// <summary>The AttributeProto: name, the value, and the type that says which value is set.</summary>
    public AttributeProto ToProto()
    {
        if (Int is long i) return new AttributeProto { Name = Name, I = i, Type = AttributeType.Int };
        if (Float is float f) return new AttributeProto { Name = Name, F = f, Type = AttributeType.Float };
        throw new ArgumentException($"Attribute '{Name}' has no value.");
    }
}
