using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Quorum;

/// <summary>
/// Three `runnel server` processes with process.roles=controller (node ids 1-3) and one with process.roles=broker
/// (node id 4) that follows their quorum, all on free loopback ports with their own temp data directories.
/// </summary>
internal sealed class BrokerRoleCluster : IAsyncDisposable
{
    public const int BrokerId = 4;

    /// <summary>Shorter than Kafka's 9 s, so a broker restarted after kill -9 (whose old session must expire first) is back sooner.</summary>
    public const int SessionTimeoutMs = 6000;

    private BrokerRoleCluster(IReadOnlyList<BrokerProcess> controllers, BrokerProcess broker)
    {
        Controllers = controllers;
        Broker = broker;
    }

    /// <summary>Controller node i + 1 at index i, reached on its CONTROLLER listener.</summary>
    public IReadOnlyList<BrokerProcess> Controllers { get; }

    public BrokerProcess Broker { get; }

    public static async Task<BrokerRoleCluster> StartAsync()
    {
        var ports = Enumerable.Range(0, 3).Select(_ => BrokerProcess.FreePort()).ToList();
        var voters = string.Join(',', ports.Select((port, i) => $"{i + 1}@127.0.0.1:{port}"));
        // Started together, as the voters of a new quorum must all be seen once before it forms (RaftNode.Recovery).
        var controllers = await BrokerProcess.StartAllAsync(ports.Select((port, i) => (Func<Task<BrokerProcess>>)(() => BrokerProcess.StartAsync(port: port, overrides: new Dictionary<string, string>
        {
            ["process.roles"] = "controller",
            ["node.id"] = $"{i + 1}",
            ["controller.quorum.voters"] = voters,
            ["listeners"] = $"CONTROLLER://127.0.0.1:{port}",
            ["advertised.listeners"] = $"CONTROLLER://127.0.0.1:{port}",
            ["controller.listener.names"] = "CONTROLLER",
            ["broker.session.timeout.ms"] = $"{SessionTimeoutMs}",
        }))));
        try
        {
            var broker = await BrokerProcess.StartAsync(overrides: new Dictionary<string, string>
            {
                ["process.roles"] = "broker",
                ["node.id"] = $"{BrokerId}",
                ["controller.quorum.voters"] = voters,
                ["controller.listener.names"] = "CONTROLLER",
                ["num.partitions"] = "2",
            });
            return new BrokerRoleCluster(controllers, broker);
        }
        catch
        {
            foreach (var controller in controllers)
                await controller.DisposeAsync();
            throw;
        }
    }

    /// <summary>The quorum leader all running controllers agree on, with its epoch.</summary>
    public async Task<(int Leader, int Epoch)> LeaderAsync(Func<int, int, bool> acceptable, TimeSpan timeout, params BrokerProcess[] excluded)
    {
        var running = Controllers.Except(excluded).ToList();
        var views = await QuorumRequests.UntilAsync(
            async () => (IReadOnlyList<(int Leader, int Epoch)>?)await Task.WhenAll(running.Select(async n => await QuorumRequests.DescribeAsync(n.Bootstrap) is { } p ? (p.LeaderId, p.LeaderEpoch) : (-1, -1))),
            v => v.Distinct().Count() == 1 && v[0].Leader > 0 && acceptable(v[0].Leader, v[0].Epoch),
            timeout, "one leader all controllers report");
        return views[0];
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        foreach (var controller in Controllers)
            await controller.DisposeAsync();
    }
}
