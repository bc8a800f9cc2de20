using System.Text.Json;
using System.Text.Json.Nodes;
using Runnel.SchemaRegistry.Model;

namespace Runnel.SchemaRegistry.Formats;

/// <summary>
/// A schema as submitted, checked and put in the canonical text it is stored and looked up by: for AVRO the parsed
/// schema's compact JSON (Apache.Avro's, as Confluent stores Avro's own toString), for JSON the minified document,
/// for PROTOBUF the text as given (trimmed). <see cref="Avro"/> is the parsed Avro schema, for compatibility checks.
/// </summary>
internal sealed record ParsedSchema(string SchemaType, string Canonical, IReadOnlyList<SchemaReference> References, global::Avro.Schema? Avro)
{
    /// <summary>
    /// Parses <paramref name="text"/> of <paramref name="schemaType"/>; <paramref name="resolved"/> holds the text of
    /// every schema the references reach, dependencies first. Throws <see cref="RegistryException"/> 42201 when invalid.
    /// </summary>
    public static ParsedSchema Parse(string schemaType, string text, IReadOnlyList<SchemaReference> references, IReadOnlyList<string> resolved)
    {
        switch (schemaType)
        {
            case SchemaTypes.Avro:
                var avro = ParseAvro(text, resolved);
                // With references the text keeps naming the referenced types (Avro's own output would inline them).
                var canonical = references.Count == 0 ? avro.ToString() : Minify(text);
                return new ParsedSchema(schemaType, canonical, references, avro);
            case SchemaTypes.Json:
                return new ParsedSchema(schemaType, Minify(text), references, null);
            case SchemaTypes.Protobuf:
                if (string.IsNullOrWhiteSpace(text))
                    throw RegistryException.InvalidSchema("empty Protobuf schema");
                return new ParsedSchema(schemaType, text.Trim(), references, null);
            default:
                throw new RegistryException(42201, $"Invalid schema type {schemaType}");
        }
    }

    /// <summary>Parses Avro with the named types of the referenced schemas known (as Confluent's parser does).</summary>
    public static global::Avro.Schema ParseAvro(string text, IReadOnlyList<string> resolved)
    {
        try
        {
            global::Avro.Schema? parsed;
            if (resolved.Count == 0)
            {
                parsed = global::Avro.Schema.Parse(text);
            }
            else
            {
                var names = new global::Avro.SchemaNames();
                foreach (var dependency in resolved)
                    global::Avro.Schema.Parse(dependency, names, null);
                parsed = global::Avro.Schema.Parse(text, names, null);
            }
            // Apache.Avro answers some unknown types ({"type":"recrod"}) with null rather than an exception.
            return parsed ?? throw RegistryException.InvalidSchema($"{text}, details: not an Avro schema");
        }
        catch (Exception e) when (e is not RegistryException)
        {
            throw RegistryException.InvalidSchema($"{text}, details: {e.Message}");
        }
    }

    private static string Minify(string text)
    {
        try
        {
            return JsonNode.Parse(text)?.ToJsonString() ?? throw RegistryException.InvalidSchema("null");
        }
        catch (JsonException e)
        {
            throw RegistryException.InvalidSchema($"{text}, details: {e.Message}");
        }
    }
}
