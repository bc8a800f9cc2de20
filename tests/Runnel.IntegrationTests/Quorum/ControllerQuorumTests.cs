using System.Diagnostics;
using Runnel.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace Runnel.IntegrationTests.Quorum;

/// <summary>
/// Three `runnel server` processes with process.roles=controller form the metadata quorum on loopback: one leader
/// that all report; kill -9 of the leader gives a new leader with a higher epoch within a few election timeouts;
/// the old leader comes back as a follower and catches up; metadata written before the kill is all there.
/// </summary>
public sealed class ControllerQuorumTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<BrokerProcess> _nodes = [];

    public async Task InitializeAsync()
    {
        var ports = Enumerable.Range(0, 3).Select(_ => BrokerProcess.FreePort()).ToList();
        var voters = string.Join(',', ports.Select((port, i) => $"{i + 1}@127.0.0.1:{port}"));
        // Started together, as the voters of a new quorum must all be seen once before it forms (RaftNode.Recovery).
        _nodes.AddRange(await BrokerProcess.StartAllAsync(ports.Select((port, i) => (Func<Task<BrokerProcess>>)(() => BrokerProcess.StartAsync(port: port, overrides: new Dictionary<string, string>
        {
            ["process.roles"] = "controller",
            ["node.id"] = $"{i + 1}",
            ["controller.quorum.voters"] = voters,
            ["listeners"] = $"CONTROLLER://127.0.0.1:{port}",
            ["advertised.listeners"] = $"CONTROLLER://127.0.0.1:{port}",
            ["controller.listener.names"] = "CONTROLLER",
        })))));
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
            await node.DisposeAsync();
    }

    /// <summary>Every running node names the same leader in the same epoch; that leader's view.</summary>
    private static async Task<(int Leader, int Epoch)> AgreedLeaderAsync(IEnumerable<BrokerProcess> nodes, Func<int, int, bool> acceptable, TimeSpan timeout)
    {
        var views = await QuorumRequests.UntilAsync(
            async () => (IReadOnlyList<(int Leader, int Epoch)>?)await Task.WhenAll(nodes.Select(async n => await QuorumRequests.DescribeAsync(n.Bootstrap) is { } p ? (p.LeaderId, p.LeaderEpoch) : (-1, -1))),
            v => v.Distinct().Count() == 1 && v[0].Leader > 0 && acceptable(v[0].Leader, v[0].Epoch),
            timeout, "one leader all nodes report");
        return views[0];
    }

    [Fact]
    public async Task Leader_kill_gives_a_new_leader_and_the_old_one_catches_up_with_nothing_lost()
    {
        var (leader, epoch) = await AgreedLeaderAsync(_nodes, (_, _) => true, TimeSpan.FromSeconds(30));
        var leaderNode = _nodes[leader - 1];
        // Controllers alone have no broker to place topics on, so the metadata written is cluster-wide broker configs.
        var written = new Dictionary<string, string>
        {
            ["log.retention.ms"] = "3600001",
            ["log.retention.bytes"] = "1000001",
            ["log.segment.bytes"] = "1048577",
            ["log.roll.ms"] = "3600017",
            ["log.flush.interval.messages"] = "123456"
        };
        foreach (var (name, value) in written)
            Assert.Equal(0, await QuorumRequests.SetBrokerConfigAsync(leaderNode.Bootstrap, name, value));

        var watch = Stopwatch.StartNew();
        await leaderNode.KillAsync();
        var survivors = _nodes.Where(n => n != leaderNode).ToList();
        var (newLeader, newEpoch) = await AgreedLeaderAsync(survivors, (l, e) => l != leader && e > epoch, TimeSpan.FromSeconds(20));
        output.WriteLine($"new leader {newLeader} in epoch {newEpoch} {watch.ElapsedMilliseconds} ms after leader {leader} (epoch {epoch}) was killed");

        Assert.Equal(0, await QuorumRequests.SetBrokerConfigAsync(_nodes[newLeader - 1].Bootstrap, "log.flush.interval.ms", "61000"));
        await leaderNode.RestartAsync();
        var described = await QuorumRequests.UntilAsync(
            () => QuorumRequests.DescribeAsync(_nodes[newLeader - 1].Bootstrap),
            p => p.ErrorCode == 0 && p.CurrentVoters.Count == 3 && p.CurrentVoters.All(v => v.LogEndOffset == p.CurrentVoters.Max(x => x.LogEndOffset)),
            TimeSpan.FromSeconds(30), "the old leader caught up");
        Assert.Equal(newEpoch, described.LeaderEpoch);
        Assert.Equal((newLeader, newEpoch), await AgreedLeaderAsync(_nodes, (_, _) => true, TimeSpan.FromSeconds(10)));

        // runnel cluster quorum, asked any node, finds the leader and shows every voter caught up.
        var cli = await RunnelCli.RunAsync("cluster", "quorum", "--bootstrap-server", _nodes[(newLeader % 3)].Bootstrap);
        Assert.True(cli.ExitCode == 0, ExternalProcess.Describe(cli));
        Assert.Contains($"LeaderId:             {newLeader}", cli.Stdout, StringComparison.Ordinal);
        Assert.Contains($"LeaderEpoch:          {newEpoch}", cli.Stdout, StringComparison.Ordinal);
        Assert.Contains("CurrentVoters:        [1,2,3]", cli.Stdout, StringComparison.Ordinal);
        Assert.Equal(3, cli.Lines.Count(l => l.EndsWith("Leader", StringComparison.Ordinal) || l.EndsWith("Follower", StringComparison.Ordinal)));

        foreach (var node in _nodes)
        {
            var configs = await QuorumRequests.UntilAsync(async () => (Dictionary<string, string?>?)await QuorumRequests.DynamicBrokerConfigsAsync(node.Bootstrap),
                c => c.ContainsKey("log.flush.interval.ms"), TimeSpan.FromSeconds(10), $"configs on {node.Bootstrap}");
            foreach (var (name, value) in written)
                Assert.Equal(value, configs[name]);
        }
    }
}
