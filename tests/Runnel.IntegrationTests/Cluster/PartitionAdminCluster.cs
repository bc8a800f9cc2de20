using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.IntegrationTests.Cluster;

/// <summary>
/// One three-node cluster shared by the partition admin tests of the Runnel client and CLI (they run one after another
/// in this collection, each on its own topics, and leave every node running): no auto leader rebalance, so leaders move
/// only when a test elects them, and replicas being added are throttled to 100 KB/s, so a move of a few hundred KB is
/// seen in progress.
/// </summary>
public sealed class PartitionAdminCluster : IAsyncLifetime
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private CombinedCluster? _cluster;

    internal CombinedCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public string Bootstrap => Cluster.Bootstrap;

    public BrokerProcess Node(int id) => Cluster.Node(id);

    public async Task InitializeAsync()
        => _cluster = await CombinedCluster.StartAsync(new Dictionary<string, string>
        {
            ["auto.leader.rebalance.enable"] = "false",
            ["leader.replication.throttled.rate"] = "100000",
        });

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
            await _cluster.DisposeAsync();
    }

    /// <summary>The active controller's node id (a node to keep alive: killing it costs a quorum election).</summary>
    public async Task<int> ControllerAsync()
        => (await Quorum.QuorumRequests.UntilAsync(() => Quorum.QuorumRequests.DescribeAsync(Cluster.Node(1).Bootstrap), q => q.LeaderId > 0, Wait, "a quorum leader")).LeaderId;

    /// <summary>Creates a topic with the given replicas per partition (CreateTopics v7) and waits until every partition's ISR is full.</summary>
    public async Task CreateAsync(string name, params int[][] assignments)
    {
        await using (var connection = await RawKafkaConnection.ConnectAsync(Cluster.Node(1).Bootstrap))
        {
            var response = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
            {
                Topics = [new() { Name = name, NumPartitions = -1, ReplicationFactor = -1,
                    Assignments = [.. assignments.Select((replicas, p) => new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = p, BrokerIds = [.. replicas] })] }],
                timeoutMs = 30_000,
            });
            Assert.Equal(0, Assert.Single(response.Topics).ErrorCode);
        }
        await ClusterMetadata.UntilAsync(Cluster.Node(1).Bootstrap, name,
            p => p.Count == assignments.Length && p.All(x => x.Isr.Length == x.Replicas.Length && x.Leader == x.Replicas[0]), Wait, $"{name} led by its preferred replicas with full ISRs");
    }

    /// <summary>Waits until every partition of every topic has its full ISR and no offline replica (after a restart).</summary>
    public static Task AllInSyncAsync(string bootstrap) => Quorum.QuorumRequests.UntilAsync(async () =>
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(bootstrap);
        return await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest { Topics = null });
    }, m => m.Topics.All(t => t.Partitions.All(p => p.IsrNodes.Count == p.ReplicaNodes.Count && p.OfflineReplicas.Count == 0 && p.LeaderId >= 0)),
        TimeSpan.FromSeconds(60), "every partition in sync");
}

[CollectionDefinition(Name)]
public sealed class PartitionAdminClusterDefinition : ICollectionFixture<PartitionAdminCluster>
{
    public const string Name = "partition admin cluster";
}
