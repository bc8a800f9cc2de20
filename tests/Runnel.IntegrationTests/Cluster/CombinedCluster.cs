using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Cluster;

/// <summary>
/// Three `runnel server` processes in KRaft's combined mode (process.roles=broker,controller, node ids 1-3), each
/// with a client and a controller listener on free loopback ports, its own temp data directory, and one shared
/// cluster.id: a cluster that replicates partitions. The client listener, which brokers also use between them, is
/// named <c>clientListener</c> (PLAINTEXT unless a test secures it).
/// </summary>
internal sealed class CombinedCluster : IAsyncDisposable
{
    private CombinedCluster(IReadOnlyList<BrokerProcess> nodes) => Nodes = nodes;

    /// <summary>Node i + 1 at index i; <see cref="BrokerProcess.Bootstrap"/> is its client listener.</summary>
    public IReadOnlyList<BrokerProcess> Nodes { get; }

    public string Bootstrap => string.Join(',', Nodes.Select(n => n.Bootstrap));

    public BrokerProcess Node(int id) => Nodes[id - 1];

    /// <param name="perNode">Settings for one node (given its id) on top of <paramref name="extra"/>, such as its own HTTP port.</param>
    public static async Task<CombinedCluster> StartAsync(IReadOnlyDictionary<string, string>? extra = null, string clientListener = "PLAINTEXT",
        Func<int, IReadOnlyDictionary<string, string>>? perNode = null)
    {
        var clientPorts = Enumerable.Range(0, 3).Select(_ => BrokerProcess.FreePort()).ToList();
        var controllerPorts = Enumerable.Range(0, 3).Select(_ => BrokerProcess.FreePort()).ToList();
        var voters = string.Join(',', controllerPorts.Select((port, i) => $"{i + 1}@127.0.0.1:{port}"));
        var clusterId = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        // Started together: a new quorum forms once every voter has been up (RaftNode.Recovery), and each node's broker
        // registers only once there is a quorum leader.
        var nodes = await BrokerProcess.StartAllAsync(clientPorts.Select((port, i) => (Func<Task<BrokerProcess>>)(() =>
        {
            var overrides = new Dictionary<string, string>
            {
                ["process.roles"] = "broker,controller",
                ["node.id"] = $"{i + 1}",
                ["cluster.id"] = clusterId,
                ["controller.quorum.voters"] = voters,
                ["controller.listener.names"] = "CONTROLLER",
                ["listeners"] = $"{clientListener}://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controllerPorts[i]}",
                ["advertised.listeners"] = $"{clientListener}://127.0.0.1:{port}",
                ["inter.broker.listener.name"] = clientListener,
            };
            foreach (var (key, value) in extra ?? new Dictionary<string, string>())
                overrides[key] = value;
            foreach (var (key, value) in perNode?.Invoke(i + 1) ?? new Dictionary<string, string>())
                overrides[key] = value;
            return BrokerProcess.StartAsync(port: port, overrides: overrides);
        })));
        return new CombinedCluster(nodes);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
            await node.DisposeAsync();
    }
}
