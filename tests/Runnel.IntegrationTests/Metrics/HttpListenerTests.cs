using System.Net;
using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Metrics;

/// <summary>/health and /ready as a supervisor or load balancer sees them.</summary>
public sealed class HttpListenerTests
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Health_and_ready_answer_200_while_the_broker_serves()
    {
        await using var broker = await BrokerFixture.StartAsync(http: true);
        using var health = await Client.GetAsync(new Uri(broker.HttpAddress, "/health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var ready = await Client.GetAsync(new Uri(broker.HttpAddress, "/ready"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True(broker.Broker.IsReady);
        using var missing = await Client.GetAsync(new Uri(broker.HttpAddress, "/nothing-here"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Ready_is_503_while_a_controller_has_no_quorum_leader()
    {
        // A controller whose only fellow voter never starts: no leader can be elected, so the node does not serve.
        var ports = new[] { FreePort(), FreePort() };
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string>
        {
            ["process.roles"] = "controller",
            ["node.id"] = "1",
            ["listeners"] = $"CONTROLLER://127.0.0.1:{ports[0]}",
            ["controller.listener.names"] = "CONTROLLER",
            ["controller.quorum.voters"] = $"1@127.0.0.1:{ports[0]},2@127.0.0.1:{ports[1]}",
        }, http: true);
        using var health = await Client.GetAsync(new Uri(broker.HttpAddress, "/health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var ready = await Client.GetAsync(new Uri(broker.HttpAddress, "/ready"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }

    [Fact]
    public async Task An_empty_listener_setting_turns_the_listener_off()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["runnel.http.listeners"] = "" }, http: true);
        Assert.Empty(broker.Http!.Urls);
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
