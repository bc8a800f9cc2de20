using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Runnel.IntegrationTests.SchemaRegistry;

/// <summary>
/// The registry's REST API over real HTTP, as curl or any client sees it: Confluent's paths, bodies, content type,
/// error codes and the soft-then-hard delete rules.
/// </summary>
public sealed class RegistryRestApiTests(RegistryBroker registry) : IClassFixture<RegistryBroker>
{
    private const string ContentType = "application/vnd.schemaregistry.v1+json";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private static string Record(string name) => $$"""{"type":"record","name":"{{name}}","fields":[{"name":"a","type":"string"}]}""";

    [Fact]
    public async Task Register_lookup_and_read_by_id_and_version_in_confluents_shapes()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/subjects/rest-a/versions", new JsonObject { ["schema"] = Record("A") });
        Assert.Equal(HttpStatusCode.OK, status);
        var id = (int)body!["id"]!;
        // The same schema under another subject has the same (global) id; registering again changes nothing.
        Assert.Equal(id, (int)(await SendAsync(HttpMethod.Post, "/subjects/rest-a2/versions", new JsonObject { ["schema"] = Record("A") })).Body!["id"]!);
        Assert.Equal(id, (int)(await SendAsync(HttpMethod.Post, "/subjects/rest-a/versions", new JsonObject { ["schema"] = Record("A") })).Body!["id"]!);

        var version = (await SendAsync(HttpMethod.Get, "/subjects/rest-a/versions/latest")).Body!;
        Assert.Equal("rest-a", (string?)version["subject"]);
        Assert.Equal(1, (int)version["version"]!);
        Assert.Equal(id, (int)version["id"]!);
        Assert.Null(version["schemaType"]);
        Assert.Equal(Record("A"), (string?)version["schema"]);
        var lookup = (await SendAsync(HttpMethod.Post, "/subjects/rest-a", new JsonObject { ["schema"] = Record("A") })).Body!;
        Assert.Equal(1, (int)lookup["version"]!);
        Assert.Equal(Record("A"), (string?)(await SendAsync(HttpMethod.Get, $"/schemas/ids/{id}")).Body!["schema"]);
        var usedBy = (await SendAsync(HttpMethod.Get, $"/schemas/ids/{id}/versions")).Body!.AsArray();
        Assert.Equal(["rest-a2:1", "rest-a:1"], usedBy.Select(v => $"{v!["subject"]}:{v["version"]}").Order(StringComparer.Ordinal));
        Assert.Equal("[1]", (await SendAsync(HttpMethod.Get, "/subjects/rest-a/versions")).Body!.ToJsonString());
        Assert.Equal("""["JSON","PROTOBUF","AVRO"]""", (await SendAsync(HttpMethod.Get, "/schemas/types")).Body!.ToJsonString());
        using var raw = await Http.GetAsync(new Uri(registry.Broker.HttpAddress, $"/schemas/ids/{id}/schema"));
        Assert.Equal(Record("A"), await raw.Content.ReadAsStringAsync());
        Assert.Equal(ContentType, raw.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("GET", "/subjects/rest-none/versions", null, 404, 40401)]
    [InlineData("GET", "/subjects/rest-err/versions/9", null, 404, 40402)]
    [InlineData("GET", "/schemas/ids/99999", null, 404, 40403)]
    [InlineData("GET", "/subjects/rest-err/versions/abc", null, 422, 42202)]
    [InlineData("POST", "/subjects/rest-err/versions", """{"schema":"{\"type\":\"recrod\"}"}""", 422, 42201)]
    [InlineData("POST", "/subjects/rest-err", """{"schema":"{\"type\":\"record\",\"name\":\"Other\",\"fields\":[]}"}""", 404, 40403)]
    [InlineData("PUT", "/config/rest-err", """{"compatibility":"SIDEWAYS"}""", 422, 42203)]
    [InlineData("GET", "/config/rest-err", null, 404, 40408)]
    [InlineData("POST", "/subjects/rest-err/versions", "not json", 400, 400)]
    public async Task Errors_carry_confluents_codes_and_statuses(string method, string path, string? body, int status, int code)
    {
        await SendAsync(HttpMethod.Post, "/subjects/rest-err/versions", new JsonObject { ["schema"] = Record("Err") });
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(registry.Broker.HttpAddress, path));
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, ContentType);
        using var response = await Http.SendAsync(request);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(ContentType, response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(code, (int)error["error_code"]!);
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
    }

    [Fact]
    public async Task A_subject_is_soft_deleted_before_it_can_be_deleted_permanently()
    {
        var id = (int)(await SendAsync(HttpMethod.Post, "/subjects/rest-del/versions", new JsonObject { ["schema"] = Record("D1") })).Body!["id"]!;
        await SendAsync(HttpMethod.Put, "/config/rest-del", new JsonObject { ["compatibility"] = "NONE" });
        await SendAsync(HttpMethod.Post, "/subjects/rest-del/versions", new JsonObject { ["schema"] = Record("D2") });

        Assert.Equal(40407, await ErrorCodeAsync(HttpMethod.Delete, "/subjects/rest-del/versions/1?permanent=true"));
        Assert.Equal(40405, await ErrorCodeAsync(HttpMethod.Delete, "/subjects/rest-del?permanent=true"));
        Assert.Equal("[1,2]", (await SendAsync(HttpMethod.Delete, "/subjects/rest-del")).Body!.ToJsonString());
        Assert.Equal(40401, await ErrorCodeAsync(HttpMethod.Get, "/subjects/rest-del/versions"));
        Assert.DoesNotContain("rest-del", (await SendAsync(HttpMethod.Get, "/subjects")).Body!.AsArray().Select(s => (string?)s));
        Assert.Contains("rest-del", (await SendAsync(HttpMethod.Get, "/subjects?deleted=true")).Body!.AsArray().Select(s => (string?)s));
        Assert.Equal("[1,2]", (await SendAsync(HttpMethod.Get, "/subjects/rest-del/versions?deleted=true")).Body!.ToJsonString());
        // A soft-deleted schema is still served by id: records written with it stay readable.
        Assert.Equal(Record("D1"), (string?)(await SendAsync(HttpMethod.Get, $"/schemas/ids/{id}")).Body!["schema"]);

        Assert.Equal("[1,2]", (await SendAsync(HttpMethod.Delete, "/subjects/rest-del?permanent=true")).Body!.ToJsonString());
        Assert.Equal(40401, await ErrorCodeAsync(HttpMethod.Get, "/subjects/rest-del/versions?deleted=true"));
        Assert.Equal(40403, await ErrorCodeAsync(HttpMethod.Get, $"/schemas/ids/{id}"));
        // Registered again, the schema gets a new id: ids are never reused.
        var again = (int)(await SendAsync(HttpMethod.Post, "/subjects/rest-del/versions", new JsonObject { ["schema"] = Record("D1") })).Body!["id"]!;
        Assert.True(again > id, $"id {again} after {id}");
    }

    [Fact]
    public async Task One_version_is_soft_then_hard_deleted()
    {
        await SendAsync(HttpMethod.Put, "/config/rest-ver", new JsonObject { ["compatibility"] = "NONE" });
        await SendAsync(HttpMethod.Post, "/subjects/rest-ver/versions", new JsonObject { ["schema"] = Record("V1") });
        await SendAsync(HttpMethod.Post, "/subjects/rest-ver/versions", new JsonObject { ["schema"] = Record("V2") });
        Assert.Equal("1", (await SendAsync(HttpMethod.Delete, "/subjects/rest-ver/versions/1")).Body!.ToJsonString());
        Assert.Equal("[2]", (await SendAsync(HttpMethod.Get, "/subjects/rest-ver/versions")).Body!.ToJsonString());
        Assert.Equal(40406, await ErrorCodeAsync(HttpMethod.Delete, "/subjects/rest-ver/versions/1"));
        Assert.Equal("1", (await SendAsync(HttpMethod.Delete, "/subjects/rest-ver/versions/1?permanent=true")).Body!.ToJsonString());
        Assert.Equal("[2]", (await SendAsync(HttpMethod.Get, "/subjects/rest-ver/versions?deleted=true")).Body!.ToJsonString());
    }

    [Fact]
    public async Task Config_and_mode_are_set_read_and_cleared()
    {
        Assert.Equal("""{"compatibility":"FULL"}""", (await SendAsync(HttpMethod.Put, "/config/rest-cfg", new JsonObject { ["compatibility"] = "full" })).Body!.ToJsonString());
        Assert.Equal("""{"compatibilityLevel":"FULL"}""", (await SendAsync(HttpMethod.Get, "/config/rest-cfg")).Body!.ToJsonString());
        Assert.Equal("""{"compatibilityLevel":"FULL"}""", (await SendAsync(HttpMethod.Delete, "/config/rest-cfg")).Body!.ToJsonString());
        Assert.Equal("""{"compatibilityLevel":"BACKWARD"}""", (await SendAsync(HttpMethod.Get, "/config/rest-cfg?defaultToGlobal=true")).Body!.ToJsonString());
        Assert.Equal("""{"mode":"READWRITE"}""", (await SendAsync(HttpMethod.Get, "/mode")).Body!.ToJsonString());
        await SendAsync(HttpMethod.Put, "/mode/rest-ro", new JsonObject { ["mode"] = "READONLY" });
        Assert.Equal(42205, await ErrorCodeAsync(HttpMethod.Post, "/subjects/rest-ro/versions", new JsonObject { ["schema"] = Record("R") }));
        Assert.Equal(42204, await ErrorCodeAsync(HttpMethod.Put, "/mode", new JsonObject { ["mode"] = "WRITEONLY" }));
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonObject? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(registry.Broker.HttpAddress, path));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        }
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return (response.StatusCode, JsonNode.Parse(text));
    }

    private async Task<int> ErrorCodeAsync(HttpMethod method, string path, JsonObject? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(registry.Broker.HttpAddress, path));
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, ContentType);
        using var response = await Http.SendAsync(request);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var code = error.GetProperty("error_code").GetInt32();
        Assert.Equal(code < 1000 ? code : code / 100, (int)response.StatusCode);
        return code;
    }
}
