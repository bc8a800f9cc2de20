using System.Text;
using System.Text.Json.Nodes;
using Runnel.SchemaRegistry.Model;

namespace Runnel.SchemaRegistry.Store;

/// <summary>
/// The keys and values of the <c>_schemas</c> topic, in Confluent's JSON shapes, so its content reads as a Confluent
/// registry's does:
/// <list type="bullet">
/// <item>SCHEMA: key <c>{"keytype":"SCHEMA","subject":s,"version":v,"magic":1}</c>, value
/// <c>{"subject","version","id","schemaType"?,"references"?,"schema","deleted"}</c>; a null value is a hard delete;</item>
/// <item>CONFIG: key <c>{"keytype":"CONFIG","subject":s|null,"magic":0}</c>, value <c>{"compatibilityLevel":...}</c>, null clears it;</item>
/// <item>MODE: key <c>{"keytype":"MODE","subject":s|null,"magic":0}</c>, value <c>{"mode":...}</c>;</item>
/// <item>DELETE_SUBJECT: value <c>{"subject","version"}</c>, every version up to it soft-deleted;</item>
/// <item>CLEAR_SUBJECT: value <c>{"subject","version","maxId"}</c>, every version up to it hard-deleted (the SCHEMA keys
/// are tombstoned too, so compaction drops them; maxId keeps ids from being reused once they are gone).</item>
/// </list>
/// </summary>
internal static class RegistryRecords
{
    public const string Schema = "SCHEMA";
    public const string Config = "CONFIG";
    public const string Mode = "MODE";
    public const string DeleteSubject = "DELETE_SUBJECT";
    public const string ClearSubject = "CLEAR_SUBJECT";

    public static byte[] SchemaKey(string subject, int version) =>
        Bytes(new JsonObject { ["keytype"] = Schema, ["subject"] = subject, ["version"] = version, ["magic"] = 1 });

    public static byte[] SubjectKey(string keyType, string? subject) =>
        Bytes(new JsonObject { ["keytype"] = keyType, ["subject"] = subject, ["magic"] = 0 });

    public static byte[] SchemaValue(SchemaVersion schema)
    {
        var value = new JsonObject { ["subject"] = schema.Subject, ["version"] = schema.Version, ["id"] = schema.Id };
        if (schema.SchemaType != SchemaTypes.Avro)
            value["schemaType"] = schema.SchemaType;
        if (schema.References.Count > 0)
            value["references"] = References(schema.References);
        value["schema"] = schema.Schema;
        value["deleted"] = schema.Deleted;
        return Bytes(value);
    }

    public static JsonArray References(IReadOnlyList<SchemaReference> references) =>
        [.. references.Select(r => (JsonNode)new JsonObject { ["name"] = r.Name, ["subject"] = r.Subject, ["version"] = r.Version })];

    public static IReadOnlyList<SchemaReference> ParseReferences(JsonNode? node) =>
        node is JsonArray array
            ? [.. array.OfType<JsonObject>().Select(r => new SchemaReference((string?)r["name"] ?? "", (string?)r["subject"] ?? "", (int?)r["version"] ?? 0))]
            : [];

    public static SchemaVersion ParseSchemaValue(JsonObject value) => new(
        (string?)value["subject"] ?? "",
        (int?)value["version"] ?? 0,
        (int?)value["id"] ?? 0,
        (string?)value["schemaType"] ?? SchemaTypes.Avro,
        (string?)value["schema"] ?? "",
        ParseReferences(value["references"]),
        (bool?)value["deleted"] ?? false);

    public static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    public static JsonObject? Parse(byte[]? bytes)
    {
        if (bytes is null)
            return null;
        try
        {
            return JsonNode.Parse(bytes) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
