using Runnel.ClusterTests.Workload;
using Runnel.IntegrationTests.Fixtures;
using Runnel.IntegrationTests.Transactions;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Xunit;

namespace Runnel.IntegrationTests.Cluster;

/// <summary>
/// Transactions on three combined nodes: __transaction_state is replicated (RF 3), so when the node coordinating a
/// transactional id is killed -9 with a transaction open, and later the next coordinator while a commit is under way,
/// another node loads the id's state and the producer carries on with every transaction whole.
/// </summary>
public sealed class TransactionClusterTests
{
    private const string TransactionalId = "cluster-writer";

    [Fact]
    public async Task Killing_the_transaction_coordinator_keeps_every_transaction_whole()
    {
        KafkaNative.EnsureLoaded();
        await using var cluster = await CombinedCluster.StartAsync();
        var created = await RunnelCli.RunAsync("topic", "create", "--topic", "txn-rf3", "--partitions", "2", "--replication-factor", "3",
            "--config", "min.insync.replicas=2", "--bootstrap-server", cluster.Node(1).Bootstrap);
        Assert.True(created.ExitCode == 0, ExternalProcess.Describe(created));
        var killed = new List<BrokerProcess>();
        async Task KillCoordinatorAsync()
        {
            var alive = cluster.Nodes.First(n => !killed.Contains(n));
            var coordinator = cluster.Node(await CoordinatorAsync(alive.Bootstrap));
            await coordinator.KillAsync();
            killed.Add(coordinator);
        }
        async Task RestartKilledAsync()
        {
            foreach (var node in killed)
                await node.RestartAsync();
            killed.Clear();
        }

        var history = new TransactionHistory(cluster.Bootstrap, "txn-rf3", TransactionalId);
        await history.RunAsync(40, openFaultAt: new HashSet<int> { 10 }, KillCoordinatorAsync, commitFaultAt: new HashSet<int> { 21 }, async () =>
        {
            await RestartKilledAsync();
            await KillCoordinatorAsync();
        });
        await RestartKilledAsync();

        history.Check(partitions: 2);
        Assert.True(history.Committed.Count >= 25, $"only {history.Committed.Count} transactions committed");
    }

    /// <summary>The node FindCoordinator names for the transactional id (the leader of its __transaction_state partition).</summary>
    private static async Task<int> CoordinatorAsync(string bootstrap)
    {
        await using var connection = await RawKafkaConnection.ConnectAsync(bootstrap);
        var response = await connection.RequestAsync<FindCoordinatorResponse>(ApiKey.FindCoordinator, 4,
            new FindCoordinatorRequest { KeyType = 1, CoordinatorKeys = [TransactionalId] });
        var found = Assert.Single(response.Coordinators);
        Assert.Equal(0, found.ErrorCode);
        return found.NodeId;
    }
}
