namespace Runnel.SchemaRegistry.Model;

/// <summary>A reference from one schema to another registered one (Confluent's SchemaReference): the name the
/// referring schema uses (for Avro the referenced type's full name, for JSON Schema and Protobuf an import path).</summary>
public sealed record SchemaReference(string Name, string Subject, int Version);

/// <summary>One registered version of a subject: the schema text (stored as registered, canonicalised), its type, its
/// references, its global id, and whether it is soft-deleted.</summary>
public sealed record SchemaVersion(string Subject, int Version, int Id, string SchemaType, string Schema, IReadOnlyList<SchemaReference> References, bool Deleted)
{
    /// <summary>Whether two versions carry the same schema: text, type and references; what gives one global id.</summary>
    public bool SameContent(string schemaType, string schema, IReadOnlyList<SchemaReference> references) =>
        SchemaType == schemaType && Schema == schema && References.SequenceEqual(references);
}

/// <summary>The schema types served (GET /schemas/types).</summary>
public static class SchemaTypes
{
    public const string Avro = "AVRO";
    public const string Json = "JSON";
    public const string Protobuf = "PROTOBUF";

    public static IReadOnlyList<string> All { get; } = [Json, Protobuf, Avro];
}
