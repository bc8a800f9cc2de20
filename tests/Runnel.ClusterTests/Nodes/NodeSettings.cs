namespace Runnel.ClusterTests.Nodes;

/// <summary>
/// How to run one <c>runnel server</c>: its node id, the port that says it is up (probed from the test process),
/// and its config as <c>--override key=value</c> pairs (log.dirs is added by <see cref="NodeProcess"/>).
/// </summary>
public sealed record NodeSettings(int NodeId, int ProbePort, IReadOnlyDictionary<string, string> Overrides)
{
    /// <summary>Client port of every broker on a rig: each host has its own address, so all can use the same one.</summary>
    public const int ClientPort = 9092;

    /// <summary>Controller (quorum) port of every controller on a rig.</summary>
    public const int ControllerPort = 9093;

    /// <summary>Kafka's default is 9 s; shorter, so a broker restarted after kill -9 re-registers sooner.</summary>
    public const int SessionTimeoutMs = 6000;

    /// <summary>A single combined node (broker and the lone voter of its own quorum) listening on <paramref name="address"/>.</summary>
    public static NodeSettings SingleNode(int nodeId, string address, int partitions) => new(nodeId, ClientPort, new Dictionary<string, string>
    {
        ["node.id"] = Id(nodeId),
        ["listeners"] = $"PLAINTEXT://{address}:{ClientPort}",
        ["advertised.listeners"] = $"PLAINTEXT://{address}:{ClientPort}",
        ["num.partitions"] = Id(partitions),
    });

    /// <summary>A controller-only voter (process.roles=controller) of the quorum <paramref name="voters"/>.</summary>
    public static NodeSettings Controller(int nodeId, string address, string voters) => new(nodeId, ControllerPort, new Dictionary<string, string>
    {
        ["process.roles"] = "controller",
        ["node.id"] = Id(nodeId),
        ["controller.quorum.voters"] = voters,
        ["listeners"] = $"CONTROLLER://{address}:{ControllerPort}",
        ["advertised.listeners"] = $"CONTROLLER://{address}:{ControllerPort}",
        ["controller.listener.names"] = "CONTROLLER",
        ["broker.session.timeout.ms"] = Id(SessionTimeoutMs),
    });

    /// <summary>A broker-only node (process.roles=broker) that follows the quorum <paramref name="voters"/> as an observer.</summary>
    public static NodeSettings Broker(int nodeId, string address, string voters, int partitions) => new(nodeId, ClientPort, new Dictionary<string, string>
    {
        ["process.roles"] = "broker",
        ["node.id"] = Id(nodeId),
        ["controller.quorum.voters"] = voters,
        ["controller.listener.names"] = "CONTROLLER",
        ["listeners"] = $"PLAINTEXT://{address}:{ClientPort}",
        ["advertised.listeners"] = $"PLAINTEXT://{address}:{ClientPort}",
        ["num.partitions"] = Id(partitions),
    });

    /// <summary>
    /// A combined node (process.roles=broker,controller) of a replicated cluster: a voter of <paramref name="voters"/>
    /// with its client listener and its controller listener on the host's one address, all nodes sharing
    /// <paramref name="clusterId"/>. Topics default to three replicas and min.insync.replicas=2.
    /// </summary>
    public static NodeSettings Combined(int nodeId, string address, string voters, string clusterId) => new(nodeId, ClientPort, new Dictionary<string, string>
    {
        ["process.roles"] = "broker,controller",
        ["node.id"] = Id(nodeId),
        ["cluster.id"] = clusterId,
        ["controller.quorum.voters"] = voters,
        ["controller.listener.names"] = "CONTROLLER",
        ["listeners"] = $"PLAINTEXT://{address}:{ClientPort},CONTROLLER://{address}:{ControllerPort}",
        ["advertised.listeners"] = $"PLAINTEXT://{address}:{ClientPort}",
        ["default.replication.factor"] = "3",
        ["min.insync.replicas"] = "2",
        ["offsets.topic.replication.factor"] = "3",
        ["broker.session.timeout.ms"] = Id(SessionTimeoutMs),
    });

    /// <summary>These settings with <paramref name="overrides"/> added or replacing.</summary>
    public NodeSettings With(IEnumerable<KeyValuePair<string, string>> overrides)
    {
        var merged = new Dictionary<string, string>(Overrides);
        foreach (var (key, value) in overrides)
            merged[key] = value;
        return this with { Overrides = merged };
    }

    /// <summary>The endpoint of this node's controller listener on <paramref name="address"/>.</summary>
    public static string ControllerEndpoint(string address) => $"{address}:{ControllerPort}";

    /// <summary>controller.quorum.voters for voters 1..n at <paramref name="addresses"/>: "1@a:9093,2@b:9093,...".</summary>
    public static string Voters(IEnumerable<(int NodeId, string Address)> voters)
        => string.Join(',', voters.Select(v => $"{Id(v.NodeId)}@{v.Address}:{ControllerPort}"));

    private static string Id(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
