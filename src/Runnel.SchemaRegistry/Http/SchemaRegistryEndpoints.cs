using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Runnel.SchemaRegistry.Model;
using static Runnel.SchemaRegistry.Http.RegistryHttp;

namespace Runnel.SchemaRegistry.Http;

/// <summary>
/// Confluent Schema Registry's REST API at the root of the HTTP listener, so a registry client's base URL is the
/// listener's: /subjects, /schemas, /config, /compatibility, /mode.
/// </summary>
public static class SchemaRegistryEndpoints
{
    /// <summary>Adds the registry (a singleton the host disposes) storing in the cluster at <paramref name="bootstrapServers"/>.</summary>
    public static IServiceCollection AddSchemaRegistry(this IServiceCollection services, string bootstrapServers) =>
        services.AddSingleton(provider => new SchemaRegistryService(
            new SchemaRegistryOptions { BootstrapServers = bootstrapServers },
            provider.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()));

    /// <summary>Maps the registry's routes (needs <see cref="AddSchemaRegistry"/>).</summary>
    public static IEndpointRouteBuilder MapSchemaRegistry(this IEndpointRouteBuilder app)
    {
        var registry = app.ServiceProvider.GetRequiredService<SchemaRegistryService>();
        app.MapGet("/schemas/types", () => Json(new JsonArray([.. SchemaTypes.All.Select(t => (JsonNode)t)])));
        MapSchemas(app, registry);
        MapSubjects(app, registry);
        MapConfig(app, registry);
        return app;
    }

    private static void MapSchemas(IEndpointRouteBuilder app, SchemaRegistryService registry)
    {
        app.MapGet("/schemas/ids/{id}", (string id, HttpContext http) => Run(async () =>
        {
            var schema = await registry.SchemaByIdAsync(ParseId(id), http.RequestAborted).ConfigureAwait(false);
            var body = new JsonObject();
            AddSchema(body, schema);
            return Json(body);
        }));
        app.MapGet("/schemas/ids/{id}/schema", (string id, HttpContext http) => Run(async () =>
        {
            var schema = await registry.SchemaByIdAsync(ParseId(id), http.RequestAborted).ConfigureAwait(false);
            return Results.Text(schema.Schema, ContentType);
        }));
        app.MapGet("/schemas/ids/{id}/versions", (string id, HttpContext http) => Run(async () =>
        {
            var versions = await registry.VersionsOfIdAsync(ParseId(id), Flag(http.Request, "deleted"), http.RequestAborted).ConfigureAwait(false);
            return Json(new JsonArray([.. versions.Select(v => (JsonNode)new JsonObject { ["subject"] = v.Subject, ["version"] = v.Version })]));
        }));
        app.MapGet("/schemas/ids/{id}/subjects", (string id, HttpContext http) => Run(async () =>
        {
            var versions = await registry.VersionsOfIdAsync(ParseId(id), Flag(http.Request, "deleted"), http.RequestAborted).ConfigureAwait(false);
            return Json(new JsonArray([.. versions.Select(v => v.Subject).Distinct().Select(s => (JsonNode)s)]));
        }));
    }

    private static void MapSubjects(IEndpointRouteBuilder app, SchemaRegistryService registry)
    {
        app.MapGet("/subjects", (HttpContext http, CancellationToken _) => Run(async () =>
        {
            var subjects = await registry.SubjectsAsync(Flag(http.Request, "deleted"), http.RequestAborted).ConfigureAwait(false);
            var prefix = http.Request.Query["subjectPrefix"].ToString();
            return Json(new JsonArray([.. subjects.Where(s => s.StartsWith(prefix, StringComparison.Ordinal)).Select(s => (JsonNode)s)]));
        }));
        app.MapPost("/subjects/{subject}", (string subject, HttpContext http) => Run(async () =>
        {
            var (type, schema, references) = SchemaRequest(await BodyAsync(http.Request).ConfigureAwait(false));
            var found = await registry.LookupAsync(subject, type, schema, references, Flag(http.Request, "deleted"), http.RequestAborted).ConfigureAwait(false);
            return Json(VersionBody(found));
        }));
        app.MapDelete("/subjects/{subject}", (string subject, HttpContext http) => Run(async () =>
        {
            var versions = await registry.DeleteSubjectAsync(subject, Flag(http.Request, "permanent"), http.RequestAborted).ConfigureAwait(false);
            return Json(new JsonArray([.. versions.Select(v => (JsonNode)v)]));
        }));
        app.MapGet("/subjects/{subject}/versions", (string subject, HttpContext http) => Run(async () =>
        {
            var versions = await registry.VersionsAsync(subject, Flag(http.Request, "deleted"), http.RequestAborted).ConfigureAwait(false);
            return Json(new JsonArray([.. versions.Select(v => (JsonNode)v.Version)]));
        }));
        app.MapPost("/subjects/{subject}/versions", (string subject, HttpContext http) => Run(async () =>
        {
            var (type, schema, references) = SchemaRequest(await BodyAsync(http.Request).ConfigureAwait(false));
            var registered = await registry.RegisterAsync(subject, type, schema, references, http.RequestAborted).ConfigureAwait(false);
            return Json(new JsonObject { ["id"] = registered.Id });
        }));
        app.MapGet("/subjects/{subject}/versions/{version}", (string subject, string version, HttpContext http) => Run(async () =>
            Json(VersionBody(await registry.VersionAsync(subject, version, Flag(http.Request, "deleted"), http.RequestAborted).ConfigureAwait(false)))));
        app.MapGet("/subjects/{subject}/versions/{version}/schema", (string subject, string version, HttpContext http) => Run(async () =>
            Results.Text((await registry.VersionAsync(subject, version, Flag(http.Request, "deleted"), http.RequestAborted).ConfigureAwait(false)).Schema, ContentType)));
        app.MapGet("/subjects/{subject}/versions/{version}/referencedby", (string subject, string version, HttpContext http) => Run(async () =>
        {
            var target = await registry.VersionAsync(subject, version, includeDeleted: true, http.RequestAborted).ConfigureAwait(false);
            var users = await registry.ReferencedByAsync(target, http.RequestAborted).ConfigureAwait(false);
            return Json(new JsonArray([.. users.Select(u => (JsonNode)u)]));
        }));
        app.MapDelete("/subjects/{subject}/versions/{version}", (string subject, string version, HttpContext http) => Run(async () =>
            Json(await registry.DeleteVersionAsync(subject, version, Flag(http.Request, "permanent"), http.RequestAborted).ConfigureAwait(false))));
    }

    private static void MapConfig(IEndpointRouteBuilder app, SchemaRegistryService registry)
    {
        app.MapGet("/config", (HttpContext http, CancellationToken _) => Run(async () =>
        {
            var level = await registry.CompatibilityAsync(null, http.RequestAborted).ConfigureAwait(false);
            return Json(new JsonObject { ["compatibilityLevel"] = CompatibilityLevels.Name(level!.Value) });
        }));
        app.MapPut("/config", (HttpContext http, CancellationToken _) => Run(() => PutConfigAsync(registry, null, http)));
        app.MapGet("/config/{subject}", (string subject, HttpContext http) => Run(async () =>
        {
            var level = await registry.CompatibilityAsync(subject, http.RequestAborted).ConfigureAwait(false);
            if (level is null && Flag(http.Request, "defaultToGlobal"))
                level = registry.EffectiveCompatibility(subject);
            return level is { } l
                ? Json(new JsonObject { ["compatibilityLevel"] = CompatibilityLevels.Name(l) })
                : throw RegistryException.SubjectCompatibilityNotConfigured(subject);
        }));
        app.MapPut("/config/{subject}", (string subject, HttpContext http) => Run(() => PutConfigAsync(registry, subject, http)));
        app.MapDelete("/config/{subject}", (string subject, HttpContext http) => Run(async () =>
        {
            var level = await registry.CompatibilityAsync(subject, http.RequestAborted).ConfigureAwait(false)
                ?? throw RegistryException.SubjectCompatibilityNotConfigured(subject);
            await registry.SetCompatibilityAsync(subject, null, http.RequestAborted).ConfigureAwait(false);
            return Json(new JsonObject { ["compatibilityLevel"] = CompatibilityLevels.Name(level) });
        }));
        app.MapGet("/mode", (HttpContext http, CancellationToken _) => Run(async () =>
            Json(new JsonObject { ["mode"] = await registry.ModeAsync(null, http.RequestAborted).ConfigureAwait(false) })));
        app.MapPut("/mode", (HttpContext http, CancellationToken _) => Run(() => PutModeAsync(registry, null, http)));
        app.MapGet("/mode/{subject}", (string subject, HttpContext http) => Run(async () =>
        {
            var mode = await registry.ModeAsync(subject, http.RequestAborted).ConfigureAwait(false);
            if (mode is null && Flag(http.Request, "defaultToGlobal"))
                mode = await registry.ModeAsync(null, http.RequestAborted).ConfigureAwait(false);
            return mode is null ? throw RegistryException.SubjectModeNotConfigured(subject) : Json(new JsonObject { ["mode"] = mode });
        }));
        app.MapPut("/mode/{subject}", (string subject, HttpContext http) => Run(() => PutModeAsync(registry, subject, http)));
        app.MapPost("/compatibility/subjects/{subject}/versions/{version}", (string subject, string version, HttpContext http) =>
            Run(() => CompatibilityAsync(registry, subject, version, http)));
        app.MapPost("/compatibility/subjects/{subject}/versions", (string subject, HttpContext http) =>
            Run(() => CompatibilityAsync(registry, subject, null, http)));
    }

    private static async Task<IResult> PutConfigAsync(SchemaRegistryService registry, string? subject, HttpContext http)
    {
        var body = await BodyAsync(http.Request).ConfigureAwait(false);
        var text = (string?)body["compatibility"] ?? (string?)body["compatibilityLevel"];
        if (!CompatibilityLevels.TryParse(text, out var level))
            throw RegistryException.InvalidCompatibility(text ?? "");
        await registry.SetCompatibilityAsync(subject, level, http.RequestAborted).ConfigureAwait(false);
        return Json(new JsonObject { ["compatibility"] = CompatibilityLevels.Name(level) });
    }

    private static async Task<IResult> PutModeAsync(SchemaRegistryService registry, string? subject, HttpContext http)
    {
        var body = await BodyAsync(http.Request).ConfigureAwait(false);
        var mode = ((string?)body["mode"] ?? "").ToUpperInvariant();
        await registry.SetModeAsync(subject, mode, http.RequestAborted).ConfigureAwait(false);
        return Json(new JsonObject { ["mode"] = mode });
    }

    private static async Task<IResult> CompatibilityAsync(SchemaRegistryService registry, string subject, string? version, HttpContext http)
    {
        var (type, schema, references) = SchemaRequest(await BodyAsync(http.Request).ConfigureAwait(false));
        var messages = await registry.TestCompatibilityAsync(subject, version, type, schema, references, http.RequestAborted).ConfigureAwait(false);
        var body = new JsonObject { ["is_compatible"] = messages.Count == 0 };
        if (Flag(http.Request, "verbose"))
            body["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)m)]);
        return Json(body);
    }
}
