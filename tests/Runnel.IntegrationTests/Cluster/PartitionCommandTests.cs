using Runnel.IntegrationTests.Fixtures;

namespace Runnel.IntegrationTests.Cluster;

/// <summary>
/// <c>runnel partition describe|reassign|elect</c> and <c>runnel topic describe</c>'s partition filters against three
/// real nodes: a move from kafka-reassign-partitions' JSON file verified until complete, Kafka's error for a bad one,
/// and a broker killed -9 whose partitions show as under-replicated (and unavailable where it held the only replica)
/// with their offline replica, whose preferred leaderships come back with an election once it returns.
/// </summary>
[Collection(PartitionAdminClusterDefinition.Name)]
public sealed class PartitionCommandTests(PartitionAdminCluster cluster)
{
    private static readonly TimeSpan Wait = PartitionAdminCluster.Wait;

    [Fact]
    public async Task Reassigns_from_a_json_file_verifies_until_complete_and_describes()
    {
        await cluster.CreateAsync("cli-moving", [1, 2], [2, 3]);
        var bootstrap = cluster.Node(2).Bootstrap;
        var file = Path.Combine(Directory.CreateTempSubdirectory("runnel-reassign-").FullName, "reassign.json");
        try
        {
            await File.WriteAllTextAsync(file, """
                {"version":1,"partitions":[
                  {"topic":"cli-moving","partition":0,"replicas":[3,2],"log_dirs":["any","any"]},
                  {"topic":"cli-moving","partition":1,"replicas":[1,3]}]}
                """);
            var started = await RunnelCli.RunAsync("partition", "reassign", "--reassignment-json-file", file, "--execute", "--bootstrap-server", bootstrap);
            Assert.True(started.ExitCode == 0, ExternalProcess.Describe(started));
            Assert.Equal(["TOPIC       PARTITION  REPLICAS  RESULT", "cli-moving  0          3,2       started", "cli-moving  1          1,3       started"], started.Lines);

            var verified = await Quorum.QuorumRequests.UntilAsync(async () => await RunnelCli.RunAsync("partition", "reassign", "--verify", "--reassignment-json-file", file, "-b", bootstrap),
                r => r.ExitCode == 0 && !r.Stdout.Contains("in progress", StringComparison.Ordinal), Wait, "both moves complete");
            Assert.Equal(["Status of partition reassignment:", "Reassignment of partition cli-moving-0 is complete.", "Reassignment of partition cli-moving-1 is complete."],
                verified.Lines);
            Assert.Equal("No partition reassignment is in progress.\n", (await RunnelCli.RunAsync("partition", "reassign", "--list", "-b", bootstrap)).Stdout);

            // The node --verify asked (each node's metadata follows the controller's at its own pace).
            var described = await RunnelCli.RunAsync("partition", "describe", "--topic", "cli-moving", "-b", bootstrap);
            Assert.Equal(0, described.ExitCode);
            var rows = described.Lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
            Assert.Equal(["TOPIC", "PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR", "OFFLINE", "ADDING", "REMOVING"], rows[0]);
            Assert.Equal(["cli-moving", "0"], rows[1][..2]);
            Assert.Equal(["3,2", "-", "-", "-"], [rows[1][4], rows[1][6], rows[1][7], rows[1][8]]);
            Assert.Equal("2,3", string.Join(',', rows[1][5].Split(',').Order()));
            Assert.Equal(["1,3", "-"], [rows[2][4], rows[2][6]]);

            // A verify of another target says the partition is not there; a bad move fails with Kafka's error; a
            // cancel of a partition not moving is no failure.
            var other = await RunnelCli.RunAsync("partition", "reassign", "--verify", "--topic", "cli-moving", "--partition", "0", "--replicas", "1,2", "-b", bootstrap);
            Assert.Equal(1, other.ExitCode);
            Assert.Contains("There is no active reassignment of partition cli-moving-0, but replica set is 3,2 rather than 1,2.", other.Stdout, StringComparison.Ordinal);
            var bad = await RunnelCli.RunAsync("partition", "reassign", "--topic", "cli-moving", "--partition", "0", "--replicas", "99,2", "-b", bootstrap);
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("cli-moving  0          99,2      INVALID_REPLICA_ASSIGNMENT: ", bad.Stdout, StringComparison.Ordinal);
            Assert.Contains("runnel partition: Reassignment failed for 1 partition(s): cli-moving-0: INVALID_REPLICA_ASSIGNMENT: ", bad.Stderr, StringComparison.Ordinal);
            var cancelled = await RunnelCli.RunAsync("partition", "reassign", "--cancel", "--topic", "cli-moving", "--partition", "0", "-b", bootstrap);
            Assert.Equal((0, "cli-moving  0          not moving (NO_REASSIGNMENT_IN_PROGRESS)"), (cancelled.ExitCode, cancelled.Lines[1]));
            var unknown = await RunnelCli.RunAsync("partition", "reassign", "--topic", "cli-absent", "--partition", "0", "--replicas", "1", "-b", bootstrap);
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("UNKNOWN_TOPIC_OR_PARTITION", unknown.Stdout, StringComparison.Ordinal);
            var moved = (await ClusterMetadata.PartitionsAsync(bootstrap, "cli-moving"))[0];
            Assert.Equal([3, 2], moved.Replicas);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Fact]
    public async Task A_killed_broker_shows_offline_and_under_replicated_and_elections_bring_its_leaderships_back()
    {
        var controller = await cluster.ControllerAsync();
        var victim = Enumerable.Range(1, 3).First(id => id != controller);
        var third = 6 - controller - victim;
        await cluster.CreateAsync("cli-rf3", [victim, controller, third]);
        await cluster.CreateAsync("cli-rf1", [victim]);
        var survivor = cluster.Node(controller).Bootstrap;
        var killed = false;
        try
        {
            await cluster.Node(victim).KillAsync();
            killed = true;
            await ClusterMetadata.UntilAsync(survivor, "cli-rf3", p => p[0].Leader != victim && p[0].Offline.Length == 1, Wait, "cli-rf3 led elsewhere, one replica offline");
            await ClusterMetadata.UntilAsync(survivor, "cli-rf1", p => p[0].Leader < 0, Wait, "cli-rf1 without a leader");

            var under = await RunnelCli.RunAsync("topic", "describe", "--under-replicated-partitions", "--topic", "cli-rf3", "--topic", "cli-rf1", "-b", survivor);
            Assert.True(under.ExitCode == 0, ExternalProcess.Describe(under));
            // Only partition lines, as kafka-topics prints them with a filter; cli-rf1 keeps its last ISR member, so it
            // is unavailable but not under-replicated.
            var line = Assert.Single(under.Lines);
            Assert.StartsWith("\tTopic: cli-rf3\tPartition: 0\tLeader: ", line, StringComparison.Ordinal);
            Assert.Contains($"\tReplicas: {victim},{controller},{third}\tIsr: ", line, StringComparison.Ordinal);
            Assert.Contains($"\tOffline: {victim}", line, StringComparison.Ordinal);
            Assert.DoesNotContain($"Leader: {victim}", line, StringComparison.Ordinal);

            var unavailable = await RunnelCli.RunAsync("topic", "describe", "--unavailable-partitions", "-b", survivor);
            Assert.Equal(0, unavailable.ExitCode);
            Assert.Contains($"\tTopic: cli-rf1\tPartition: 0\tLeader: none\tReplicas: {victim}\tIsr: {victim}\tOffline: {victim}", unavailable.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("cli-rf3", unavailable.Stdout, StringComparison.Ordinal);
            // min.insync.replicas is 1: the leaderless partition is under it, cli-rf3 (two in sync) is not at it.
            var underMinIsr = await RunnelCli.RunAsync("topic", "describe", "--under-min-isr-partitions", "--topic", "cli-rf3", "--topic", "cli-rf1", "-b", survivor);
            Assert.StartsWith("\tTopic: cli-rf1\tPartition: 0\tLeader: none", Assert.Single(underMinIsr.Lines), StringComparison.Ordinal);

            var table = await RunnelCli.RunAsync("partition", "describe", "--topic", "cli-rf3", "--under-replicated-partitions", "-b", survivor);
            var row = table.Lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["cli-rf3", "0", $"{victim},{controller},{third}", $"{victim}"], [row[0], row[1], row[4], row[6]]);

            var notYet = await RunnelCli.RunAsync("partition", "elect", "--election-type", "preferred", "--topic", "cli-rf3", "--partition", "0", "-b", survivor);
            Assert.Equal(1, notYet.ExitCode);
            Assert.Contains("cli-rf3  0          PREFERRED_LEADER_NOT_AVAILABLE", notYet.Stdout, StringComparison.Ordinal);
            Assert.Contains("runnel partition: Leader election failed for 1 partition(s): cli-rf3-0: PREFERRED_LEADER_NOT_AVAILABLE", notYet.Stderr, StringComparison.Ordinal);

            await cluster.Node(victim).RestartAsync();
            killed = false;
            await PartitionAdminCluster.AllInSyncAsync(survivor);
            Assert.Equal("", (await RunnelCli.RunAsync("topic", "describe", "--under-replicated-partitions", "-b", survivor)).Stdout);

            var elected = await RunnelCli.RunAsync("partition", "elect", "--election-type", "preferred", "--all-topic-partitions", "-b", survivor);
            Assert.True(elected.ExitCode == 0, ExternalProcess.Describe(elected));
            // Other topics' partitions (__consumer_offsets) may have lost their preferred leader to the kill too.
            Assert.Contains(elected.Lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["cli-rf3", "0", "elected", "(PREFERRED)"]);
            Assert.Equal(victim, (await ClusterMetadata.UntilAsync(survivor, "cli-rf3", p => p[0].Leader == victim, Wait, "the preferred leader back"))[0].Leader);

            // Nothing left to elect: reported, and no failure.
            var again = await RunnelCli.RunAsync("partition", "elect", "--election-type", "preferred", "--all-topic-partitions", "-b", survivor);
            Assert.Equal(0, again.ExitCode);
            Assert.DoesNotContain("cli-rf3", again.Stdout, StringComparison.Ordinal);
            Assert.EndsWith(" other partition(s): ELECTION_NOT_NEEDED", again.Lines[^1], StringComparison.Ordinal);
            var named = await RunnelCli.RunAsync("partition", "elect", "--election-type", "preferred", "--topic", "cli-rf3", "-b", survivor);
            Assert.Equal((0, "cli-rf3  0          ELECTION_NOT_NEEDED: Leader election not needed for topic partition."), (named.ExitCode, named.Lines[1]));
        }
        finally
        {
            if (killed)
                await cluster.Node(victim).RestartAsync();
        }
    }
}
