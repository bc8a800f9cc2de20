using System.Text;
using System.Text.Json.Nodes;
using Runnel.IntegrationTests.Cluster;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.SchemaRegistry;

/// <summary>
/// The registry lives in the <c>_schemas</c> topic, not in a process: it survives kill -9 of `runnel server`, and every
/// broker of a cluster serves the same subjects, versions and ids, whichever broker took the writes.
/// </summary>
public sealed class RegistryDurabilityTests
{
    private const string ContentType = "application/vnd.schemaregistry.v1+json";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private static string Record(string name) => $$"""{"type":"record","name":"{{name}}","fields":[{"name":"a","type":"string"}]}""";

    [Fact]
    public async Task Subjects_ids_and_configs_survive_kill_minus_9()
    {
        var url = $"http://127.0.0.1:{BrokerProcess.FreePort()}";
        await using var server = await BrokerProcess.StartAsync(overrides: new Dictionary<string, string> { ["runnel.http.listeners"] = url });
        var first = await RegisterAsync(url, "durable-a", Record("A"));
        var second = await RegisterAsync(url, "durable-b", Record("B"));
        await SendAsync(HttpMethod.Put, url, "/config/durable-a", """{"compatibility":"FULL"}""");
        await SendAsync(HttpMethod.Delete, url, "/subjects/durable-b");
        var before = await SnapshotAsync(url);

        await server.KillAsync();
        await server.RestartAsync();
        Assert.Equal(before, await SnapshotAsync(url));
        Assert.Contains($"\"id\":{first}", before, StringComparison.Ordinal);
        // New ids continue after the old ones, never reusing them.
        var third = await RegisterAsync(url, "durable-c", Record("C"));
        Assert.True(third > Math.Max(first, second), $"id {third} after {first} and {second}");
    }

    [Fact]
    public async Task Every_broker_of_a_cluster_serves_the_same_registry_whichever_took_the_writes()
    {
        var urls = Enumerable.Range(0, 3).Select(_ => $"http://127.0.0.1:{BrokerProcess.FreePort()}").ToList();
        await using var cluster = await CombinedCluster.StartAsync(perNode: id => new Dictionary<string, string> { ["runnel.http.listeners"] = urls[id - 1] });
        var ids = new List<int>();
        for (var i = 0; i < 6; i++)
            ids.Add(await RegisterAsync(urls[i % 3], $"cluster-{i}", Record($"R{i}")));
        // Registered on different brokers, the same schema still has one id.
        Assert.Equal(ids[0], await RegisterAsync(urls[2], "cluster-again", Record("R0")));
        Assert.Equal(6, ids.Distinct().Count());
        var snapshots = await Task.WhenAll(urls.Select(SnapshotAsync));
        Assert.All(snapshots, s => Assert.Equal(snapshots[0], s));
        Assert.Contains("cluster-5", snapshots[0], StringComparison.Ordinal);

        // A broker killed and restarted reads the registry back from the replicated topic.
        await cluster.Node(3).KillAsync();
        await cluster.Node(3).RestartAsync();
        Assert.Equal(snapshots[0], await SnapshotAsync(urls[2]));
    }

    /// <summary>Everything a client can list: subjects (with deleted), each one's versions, and each version's body.</summary>
    private static async Task<string> SnapshotAsync(string url)
    {
        var text = new StringBuilder();
        var subjects = JsonNode.Parse(await SendAsync(HttpMethod.Get, url, "/subjects?deleted=true"))!.AsArray();
        foreach (var subject in subjects.Select(s => (string)s!))
        {
            foreach (var version in JsonNode.Parse(await SendAsync(HttpMethod.Get, url, $"/subjects/{subject}/versions?deleted=true"))!.AsArray())
                text.AppendLine(await SendAsync(HttpMethod.Get, url, $"/subjects/{subject}/versions/{version}?deleted=true"));
            text.AppendLine(await SendAsync(HttpMethod.Get, url, $"/config/{subject}?defaultToGlobal=true"));
        }
        text.AppendLine(await SendAsync(HttpMethod.Get, url, "/subjects"));
        return text.ToString();
    }

    private static async Task<int> RegisterAsync(string url, string subject, string schema) =>
        (int)JsonNode.Parse(await SendAsync(HttpMethod.Post, url, $"/subjects/{subject}/versions", new JsonObject { ["schema"] = schema }.ToJsonString()))!["id"]!;

    private static async Task<string> SendAsync(HttpMethod method, string url, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(new Uri(url), path));
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, ContentType);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {url}{path}: {(int)response.StatusCode} {text}");
        return text;
    }
}
