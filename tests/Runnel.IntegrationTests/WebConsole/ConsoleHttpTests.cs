using System.Net;
using System.Text.Json;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.WebConsole;

/// <summary>The console's routes as plain HTTP sees them: the redirects, the embedded files and the API's errors.</summary>
public sealed class ConsoleHttpTests
{
    [Fact]
    public async Task Root_redirects_to_the_console_whose_files_come_from_the_assembly_and_errors_are_json()
    {
        await using var broker = await BrokerFixture.StartAsync(http: true);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = broker.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };
        foreach (var path in new[] { "/", "/ui" })
        {
            using var redirect = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
            Assert.Equal("/ui/", redirect.Headers.Location?.ToString());
        }
        using var index = await client.GetAsync(new Uri("/ui/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>Runnel console</title>", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var script = await client.GetAsync(new Uri("/ui/app.js", UriKind.Relative));
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        using var missing = await client.GetAsync(new Uri("/ui/no-such-file.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var unknown = await client.GetAsync(new Uri("/ui/api/topics/no-such-topic", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var error = JsonDocument.Parse(await unknown.Content.ReadAsStringAsync());
        Assert.Equal("UNKNOWN_TOPIC_OR_PARTITION", error.RootElement.GetProperty("code").GetString());
        Assert.Contains("no-such-topic", error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        using var group = await client.GetAsync(new Uri("/ui/api/groups/no-such-group", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, group.StatusCode);
    }
}
