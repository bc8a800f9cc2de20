using Runnel.Protocol.Generator.Model;

namespace Runnel.Protocol.Generator.Emit;

/// <summary>How a schema type maps onto C#: property types, defaults, read and write calls, wire sizes.</summary>
internal static class FieldTypes
{
    public static string Primitive(string name) => name switch
    {
        "bool" => "bool",
        "int8" => "sbyte",
        "int16" => "short",
        "uint16" => "ushort",
        "int32" => "int",
        "uint32" => "uint",
        "int64" => "long",
        "float64" => "double",
        "uuid" => "Guid",
        "string" => "string",
        "bytes" => "byte[]",
        "records" => "ReadOnlyMemory<byte>?",
        _ => throw new InvalidOperationException($"not a primitive: {name}"),
    };

    /// <summary>The method suffix of KafkaReader.ReadX / KafkaWriter.WriteX for fixed-size primitives.</summary>
    public static string FixedSuffix(string name) => name switch
    {
        "bool" => "Bool",
        "int8" => "Int8",
        "int16" => "Int16",
        "uint16" => "UInt16",
        "int32" => "Int32",
        "uint32" => "UInt32",
        "int64" => "Int64",
        "float64" => "Float64",
        "uuid" => "Uuid",
        _ => throw new InvalidOperationException($"not a fixed-size primitive: {name}"),
    };

    public static bool IsFixedSize(string name) => name is "bool" or "int8" or "int16" or "uint16" or "int32" or "uint32" or "int64" or "float64" or "uuid";

    /// <summary>The smallest encoding of one value, for bounding array counts before allocating.</summary>
    public static int MinimumSize(string name, bool compact) => name switch
    {
        "bool" or "int8" => 1,
        "int16" or "uint16" => 2,
        "int32" or "uint32" => 4,
        "int64" or "float64" => 8,
        "uuid" => 16,
        "string" => compact ? 1 : 2,
        "bytes" or "records" => compact ? 1 : 4,
        _ => throw new InvalidOperationException($"not a primitive: {name}"),
    };

    /// <summary>A C# literal for a schema default of a numeric or boolean field.</summary>
    public static string NumericLiteral(string type, string value)
    {
        if (type == "bool")
            return value.ToLowerInvariant();
        if (type == "float64")
            return value.Contains('.', StringComparison.Ordinal) ? value : value + ".0";
        if (type == "int64" && value.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return value + "L";
        return value;
    }
}
