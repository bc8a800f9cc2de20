using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Runnel.SchemaRegistry.Model;
using Runnel.SchemaRegistry.Store;

namespace Runnel.SchemaRegistry.Http;

/// <summary>
/// Request and response plumbing of the registry's REST API: bodies in <c>application/vnd.schemaregistry.v1+json</c>,
/// errors as Confluent's <c>{"error_code":...,"message":...}</c> with the status its code names, and the JSON shapes
/// of schemas and versions.
/// </summary>
internal static class RegistryHttp
{
    public const string ContentType = "application/vnd.schemaregistry.v1+json";

    /// <summary>Runs a handler, turning a <see cref="RegistryException"/> into Confluent's error response.</summary>
    public static async Task<IResult> Run(Func<Task<IResult>> handler)
    {
        try
        {
            return await handler().ConfigureAwait(false);
        }
        catch (RegistryException e)
        {
            return Error(e.ErrorCode, e.Message, e.HttpStatus);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Confluent's catch-all: 500 with error code 500 and what went wrong.
            return Error(500, $"Internal Server Error: {e.GetType().Name}: {e.Message}", StatusCodes.Status500InternalServerError);
        }
    }

    public static IResult Json(JsonNode? body, int status = StatusCodes.Status200OK) =>
        Results.Text(body?.ToJsonString() ?? "null", ContentType, Encoding.UTF8, status);

    public static IResult Error(int code, string message, int status) =>
        Json(new JsonObject { ["error_code"] = code, ["message"] = message }, status);

    /// <summary>The request's JSON object; a body that is not one is Confluent's 400 ("Unrecognized field" / bad JSON).</summary>
    public static async Task<JsonObject> BodyAsync(HttpRequest request)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false) as JsonObject
                ?? throw new RegistryException(400, "The request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new RegistryException(400, $"Unexpected character in the request body: {e.Message}");
        }
    }

    /// <summary>The schema of a register, lookup or compatibility request: its text, type (AVRO when absent) and references.</summary>
    public static (string SchemaType, string Schema, IReadOnlyList<SchemaReference> References) SchemaRequest(JsonObject body)
    {
        string? schema;
        try
        {
            schema = (string?)body["schema"];
        }
        catch (InvalidOperationException)
        {
            throw new RegistryException(42201, "Invalid schema: the \"schema\" field must be a string");
        }
        if (string.IsNullOrEmpty(schema))
            throw new RegistryException(42201, "Empty schema");
        var type = ((string?)body["schemaType"] ?? SchemaTypes.Avro).ToUpperInvariant();
        if (!SchemaTypes.All.Contains(type))
            throw new RegistryException(42201, $"Invalid schema type {type}");
        return (type, schema, RegistryRecords.ParseReferences(body["references"]));
    }

    public static JsonObject VersionBody(SchemaVersion version)
    {
        var body = new JsonObject { ["subject"] = version.Subject, ["version"] = version.Version, ["id"] = version.Id };
        AddSchema(body, version);
        return body;
    }

    /// <summary>schemaType (left out for AVRO, as Confluent does), references when there are any, and the schema text.</summary>
    public static void AddSchema(JsonObject body, SchemaVersion version)
    {
        if (version.SchemaType != SchemaTypes.Avro)
            body["schemaType"] = version.SchemaType;
        if (version.References.Count > 0)
            body["references"] = RegistryRecords.References(version.References);
        body["schema"] = version.Schema;
    }

    public static bool Flag(HttpRequest request, string name) =>
        string.Equals(request.Query[name].ToString(), "true", StringComparison.OrdinalIgnoreCase);

    public static int ParseId(string id) =>
        int.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw RegistryException.SchemaNotFound();
}
