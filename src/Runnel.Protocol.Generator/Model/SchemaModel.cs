namespace Runnel.Protocol.Generator.Model;

public enum MessageKind
{
    Request,
    Response,
    Header,
    Data,
}

/// <summary>One message of a schema file: its versions, flexible versions and fields.</summary>
public sealed class MessageDefinition
{
    public required MessageKind Kind { get; init; }
    public required string Name { get; init; }
    public short? ApiKey { get; init; }
    public required VersionRange Versions { get; init; }
    public required VersionRange FlexibleVersions { get; init; }
    public required IReadOnlyList<FieldDefinition> Fields { get; init; }

    /// <summary>Structs shared by several fields of the message ("commonStructs" in Kafka's specs).</summary>
    public required IReadOnlyList<StructDefinition> CommonStructs { get; init; }

    /// <summary>The comment lines above the message, if any.</summary>
    public string? Summary { get; init; }

    public required string SourceFile { get; init; }
}

public sealed class StructDefinition
{
    public required string Name { get; init; }
    public required VersionRange Versions { get; init; }
    public required IReadOnlyList<FieldDefinition> Fields { get; init; }
}

public sealed class FieldDefinition
{
    public required string Name { get; init; }
    public required FieldType Type { get; init; }
    public required VersionRange Versions { get; init; }
    public VersionRange NullableVersions { get; init; } = VersionRange.None;
    public int? Tag { get; init; }
    public VersionRange TaggedVersions { get; init; } = VersionRange.None;
    public string? Default { get; init; }

    /// <summary>Only "none" occurs: the request header's client id keeps its int16 length in flexible versions.</summary>
    public VersionRange? FlexibleVersions { get; init; }

    public string? Entity { get; init; }

    /// <summary>Fields of an inline struct (when the type names a struct defined here).</summary>
    public IReadOnlyList<FieldDefinition> Fields { get; init; } = [];

    public bool IsTagged => Tag is not null;
}

/// <summary>A field's wire type: a primitive, a struct, or an array of either.</summary>
public sealed record FieldType(string Name, FieldType? Element)
{
    public static readonly IReadOnlySet<string> Primitives = new HashSet<string>(StringComparer.Ordinal)
    {
        "bool", "int8", "int16", "uint16", "int32", "uint32", "int64", "float64", "uuid", "string", "bytes", "records",
    };

    public bool IsArray => Element is not null;

    public bool IsPrimitive => Element is null && Primitives.Contains(Name);

    public bool IsStruct => Element is null && !Primitives.Contains(Name);

    public static FieldType Parse(string text)
        => text.StartsWith("[]", StringComparison.Ordinal) ? new FieldType(text, Parse(text[2..])) : new FieldType(text, null);

    public override string ToString() => Name;
}
