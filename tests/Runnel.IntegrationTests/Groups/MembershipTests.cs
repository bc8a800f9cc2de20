using System.Diagnostics;
using System.Globalization;
using Runnel.IntegrationTests.Fixtures;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.IntegrationTests.Groups;

/// <summary>Zombies cannot commit; a static member that restarts in time gets its partitions back without a rebalance.</summary>
public sealed class MembershipTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_member_of_an_old_generation_cannot_commit()
    {
        await using var broker = await BrokerFixture.StartAsync();
        await GroupClientTests.KcatProduce(broker, "zombie-topic", 0, 10);
        await using var a = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        await using var b = await RawKafkaConnection.ConnectAsync(broker.Bootstrap);
        var first = await JoinAsync(a, "");
        await SyncAsync(a, first, [(first.MemberId, [])]);
        Assert.Equal((short)ErrorCode.None, await CommitAsync(a, first.MemberId, first.GenerationId, 5));

        // b joins: a is told to rejoin, does so, and the group moves to generation 2.
        var bJoin = JoinAsync(b, "");
        var heartbeat = await a.RequestAsync<HeartbeatResponse>(ApiKey.Heartbeat, 3,
            new HeartbeatRequest { GroupId = "zombies", GenerationId = first.GenerationId, MemberId = first.MemberId });
        Assert.Equal((short)ErrorCode.RebalanceInProgress, heartbeat.ErrorCode);
        var second = await JoinAsync(a, first.MemberId);
        var bSecond = await bJoin;
        Assert.Equal(first.GenerationId + 1, second.GenerationId);
        var syncing = SyncAsync(b, bSecond, []);
        await SyncAsync(a, second, [(second.MemberId, []), (bSecond.MemberId, [])]);
        await syncing;

        // A commit that still carries generation 1 is a zombie's: refused, and the stored offset stays.
        Assert.Equal((short)ErrorCode.IllegalGeneration, await CommitAsync(a, first.MemberId, first.GenerationId, 9));
        Assert.Equal((short)ErrorCode.UnknownMemberId, await CommitAsync(a, "gone-member", second.GenerationId, 9));
        Assert.Equal((short)ErrorCode.None, await CommitAsync(a, second.MemberId, second.GenerationId, 7));
        var (rows, _) = await RunnelCli.DescribeGroupAsync(broker.Bootstrap, "zombies");
        Assert.Equal(7, rows[("zombie-topic", 0)].Committed);
    }

    [Fact]
    public async Task A_static_member_restarting_within_its_session_gets_its_partitions_back_without_a_rebalance()
    {
        await using var broker = await BrokerFixture.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "4" });
        await GroupClientTests.KcatProduce(broker, "static-topic", 0, 40);
        // s2 joins only once s1 holds every partition, so s2's first assignment is the one it keeps: had both
        // started together, either could form the group alone first and then see a second assignment.
        await using var s1 = StaticKcat(broker, "s1");
        await WaitForMembersAsync(broker, "statics", m => m.Count == 1 && m.Values.Sum(p => p.Count) == 4);
        await using var s2 = StaticKcat(broker, "s2");
        var before = await WaitForMembersAsync(broker, "statics", m => m.Count == 2 && m.Values.Sum(p => p.Count) == 4);

        s1.Kill();
        await using var s1Again = StaticKcat(broker, "s1");
        var after = await WaitForMembersAsync(broker, "statics", m => m.Count == 2 && m.Values.Sum(p => p.Count) == 4 && !m.Keys.SequenceEqual(before.Keys));

        // s2 kept its member id and partitions; s1 came back under a new member id with exactly its old partitions.
        var s2Id = before.Keys.Single(id => id.StartsWith("s2", StringComparison.Ordinal));
        Assert.Equal(before[s2Id], after[s2Id]);
        var s1Before = before.Single(m => m.Key.StartsWith("s1", StringComparison.Ordinal));
        var s1After = after.Single(m => m.Key.StartsWith("s1", StringComparison.Ordinal));
        Assert.NotEqual(s1Before.Key, s1After.Key);
        Assert.Equal(s1Before.Value, s1After.Value);
        // kcat logs each assignment it receives: s2 saw only its first.
        Assert.Equal(1, s2.Stderr.Split('\n').Count(l => l.Contains("assigned:", StringComparison.Ordinal)));
    }

    private static ClientProcess StaticKcat(BrokerFixture broker, string instance)
        => ClientProcess.Start(instance, "kcat", ["-b", broker.Bootstrap, "-G", "statics", "-X", $"group.instance.id={instance}",
            "-X", "session.timeout.ms=10000", "-X", "auto.offset.reset=earliest", "-f", "%p %o %s\\n", "static-topic"]);

    /// <summary>Polls <c>runnel group describe</c> until the members (id → partitions) satisfy <paramref name="done"/>.</summary>
    private static async Task<Dictionary<string, List<int>>> WaitForMembersAsync(BrokerFixture broker, string group, Func<Dictionary<string, List<int>>, bool> done)
    {
        var clock = Stopwatch.StartNew();
        var members = new Dictionary<string, List<int>>();
        while (clock.Elapsed < Bound)
        {
            var result = await RunnelCli.RunAsync("group", "describe", group, "--bootstrap-server", broker.Bootstrap);
            members = result.Lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(c => c.Length >= 9 && c[0] == group && c[6] != "-")
                .GroupBy(c => c[6]).ToDictionary(g => g.Key, g => g.Select(c => int.Parse(c[2], CultureInfo.InvariantCulture)).Order().ToList());
            if (result.Lines.Any(l => l.Contains("Stable", StringComparison.Ordinal)) && done(members))
                return members;
            await Task.Delay(100);
        }
        throw new TimeoutException($"group {group} never reached the expected membership; last: {string.Join("; ", members.Select(m => $"{m.Key}=[{string.Join(',', m.Value)}]"))}");
    }

    private static Task<JoinGroupResponse> JoinAsync(RawKafkaConnection connection, string memberId)
        => connection.RequestAsync<JoinGroupResponse>(ApiKey.JoinGroup, 3, new JoinGroupRequest
        {
            GroupId = "zombies",
            MemberId = memberId,
            SessionTimeoutMs = 10_000,
            RebalanceTimeoutMs = 10_000,
            ProtocolType = ConsumerProtocol.ProtocolType,
            Protocols = [new() { Name = "range", Metadata = ConsumerProtocol.Write(new ConsumerProtocolSubscription { Topics = ["zombie-topic"] }, 0) }],
        });

    private static async Task SyncAsync(RawKafkaConnection connection, JoinGroupResponse joined, (string MemberId, byte[] Assignment)[] assignments)
    {
        var synced = await connection.RequestAsync<SyncGroupResponse>(ApiKey.SyncGroup, 3, new SyncGroupRequest
        {
            GroupId = "zombies",
            MemberId = joined.MemberId,
            GenerationId = joined.GenerationId,
            Assignments = [.. assignments.Select(a => new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = a.MemberId, Assignment = a.Assignment })],
        });
        Assert.Equal((short)ErrorCode.None, synced.ErrorCode);
    }

    private static async Task<short> CommitAsync(RawKafkaConnection connection, string memberId, int generation, long offset)
    {
        var response = await connection.RequestAsync<OffsetCommitResponse>(ApiKey.OffsetCommit, 7, new OffsetCommitRequest
        {
            GroupId = "zombies",
            MemberId = memberId,
            GenerationIdOrMemberEpoch = generation,
            Topics = [new() { Name = "zombie-topic", Partitions = [new() { PartitionIndex = 0, CommittedOffset = offset }] }],
        });
        return response.Topics[0].Partitions[0].ErrorCode;
    }
}
