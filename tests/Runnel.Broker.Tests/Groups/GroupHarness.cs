using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Broker.Groups;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Tests.Groups;

/// <summary>A coordinator over an in-memory store and a manual clock, with the requests a consumer would send.</summary>
internal sealed class GroupHarness
{
    public const string Group = "g";

    /// <param name="loaded">Whether this node leads (and has loaded) every partition from the start, as a single node does.</param>
    public GroupHarness(GroupCoordinatorConfig? config = null, InMemoryGroupStore? store = null, ManualTimeProvider? time = null, bool loaded = true)
    {
        Config = config ?? new GroupCoordinatorConfig { InitialRebalanceDelayMs = 0, MinSessionTimeoutMs = 100 };
        Store = store ?? new InMemoryGroupStore();
        Time = time ?? new ManualTimeProvider();
        Coordinator = new GroupCoordinator(Config, Store, Time, NullLogger.Instance, (topic, _) => topic != "missing");
        if (loaded)
        {
            var loads = Enumerable.Range(0, Store.PartitionCount).Select(p => Coordinator.OnElection(p, 0)).ToArray();
            if (!Task.WaitAll(loads, LoadTimeout))
                throw new TimeoutException("The partitions did not load in time.");
        }
    }

    /// <summary>How long a test waits for a load that should finish at once.</summary>
    public static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The __consumer_offsets partition of <see cref="Group"/>.</summary>
    public int GroupPartition => Coordinator.PartitionFor(Group);

    public GroupCoordinatorConfig Config { get; }

    public InMemoryGroupStore Store { get; }

    public ManualTimeProvider Time { get; }

    public GroupCoordinator Coordinator { get; }

    /// <summary>A fresh coordinator that replays this one's store, as after a restart (or a move of leadership).</summary>
    public GroupHarness Restart(bool loaded = true) => new(Config, Store, Time, loaded);

    public static byte[] Subscription(params string[] topics) => ConsumerProtocol.Write(new ConsumerProtocolSubscription { Topics = [.. topics] }, 0);

    public static List<JoinGroupRequest.JoinGroupRequestProtocol> Protocols(params string[] names)
        => [.. names.Select(n => new JoinGroupRequest.JoinGroupRequestProtocol { Name = n, Metadata = Subscription("t") })];

    public Task<JoinGroupResponse> Join(string memberId = "", string? instanceId = null, short version = 5, int sessionMs = 10_000,
        int rebalanceMs = 30_000, List<JoinGroupRequest.JoinGroupRequestProtocol>? protocols = null, string protocolType = "consumer")
        => Coordinator.JoinAsync(new JoinGroupRequest
        {
            GroupId = Group,
            MemberId = memberId,
            GroupInstanceId = instanceId,
            SessionTimeoutMs = sessionMs,
            RebalanceTimeoutMs = rebalanceMs,
            ProtocolType = protocolType,
            Protocols = protocols ?? Protocols("range"),
        }, new GroupClient("client", "/127.0.0.1", version));

    /// <summary>A v4+ dynamic member's first join: MEMBER_ID_REQUIRED, then the join with the id it was given.</summary>
    public async Task<Task<JoinGroupResponse>> JoinNew(int sessionMs = 10_000, int rebalanceMs = 30_000, List<JoinGroupRequest.JoinGroupRequestProtocol>? protocols = null)
    {
        var first = await Join(sessionMs: sessionMs, rebalanceMs: rebalanceMs, protocols: protocols);
        Assert.Equal((short)ErrorCode.MemberIdRequired, first.ErrorCode);
        return Join(first.MemberId, sessionMs: sessionMs, rebalanceMs: rebalanceMs, protocols: protocols);
    }

    public Task<SyncGroupResponse> Sync(JoinGroupResponse joined, params (string MemberId, byte[] Assignment)[] assignments)
        => Sync(joined.MemberId, joined.GenerationId, assignments);

    public Task<SyncGroupResponse> Sync(string memberId, int generation, params (string MemberId, byte[] Assignment)[] assignments)
        => Coordinator.SyncAsync(new SyncGroupRequest
        {
            GroupId = Group,
            MemberId = memberId,
            GenerationId = generation,
            Assignments = [.. assignments.Select(a => new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = a.MemberId, Assignment = a.Assignment })],
        });

    public ErrorCode Heartbeat(string memberId, int generation, string? instanceId = null)
        => Coordinator.Heartbeat(new HeartbeatRequest { GroupId = Group, MemberId = memberId, GenerationId = generation, GroupInstanceId = instanceId });

    public Task<ErrorCode> Commit(string memberId, int generation, long offset, string topic = "t", int partition = 0, short version = 8)
        => CommitFor(Group, memberId, generation, offset, topic, partition, version);

    public async Task<ErrorCode> CommitFor(string groupId, string memberId, int generation, long offset, string topic = "t", int partition = 0, short version = 8)
    {
        var response = await Coordinator.CommitOffsetsAsync(new OffsetCommitRequest
        {
            GroupId = groupId,
            MemberId = memberId,
            GenerationIdOrMemberEpoch = generation,
            Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = partition, CommittedOffset = offset }] }],
        }, version);
        return (ErrorCode)response.Topics[0].Partitions[0].ErrorCode;
    }

    /// <summary>A TxnOffsetCommit of one partition by <paramref name="producerId"/> (epoch 0); the partition's answer.</summary>
    public async Task<ErrorCode> TxnCommit(long producerId, long offset, string memberId = "", int generation = -1, string? instanceId = null,
        string topic = "t", int partition = 0, short version = 3, string group = Group)
    {
        var response = await Coordinator.CommitTransactionalOffsetsAsync(new TxnOffsetCommitRequest
        {
            TransactionalId = "txn",
            GroupId = group,
            ProducerId = producerId,
            ProducerEpoch = 0,
            GenerationId = generation,
            MemberId = memberId,
            GroupInstanceId = instanceId,
            Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = partition, CommittedOffset = offset }] }],
        }, version);
        return (ErrorCode)response.Topics[0].Partitions[0].ErrorCode;
    }

    /// <summary>The partition's OffsetFetch answer with require_stable: the error and the offset.</summary>
    public (ErrorCode Error, long Offset) FetchStable(string topic = "t", int partition = 0)
    {
        var fetched = Coordinator.FetchOffsets(Group, [(topic, [partition])], requireStable: true).Topics[0].Partitions[0];
        return ((ErrorCode)fetched.ErrorCode, fetched.CommittedOffset);
    }

    public long Committed(string topic = "t", int partition = 0)
        => Coordinator.FetchOffsets(Group, [(topic, [partition])]).Topics[0].Partitions[0].CommittedOffset;

    public GroupState State => Coordinator.Find(Group)?.State ?? GroupState.Dead;

    /// <summary>Joins <paramref name="count"/> members into a stable generation; returns their join replies, leader first.</summary>
    public async Task<List<JoinGroupResponse>> StableGroup(int count, int sessionMs = 10_000)
    {
        var joins = new List<Task<JoinGroupResponse>>();
        for (var i = 0; i < count; i++)
            joins.Add(await JoinNew(sessionMs));
        Time.Advance(0);
        var replies = (await Task.WhenAll(joins)).OrderByDescending(r => r.Leader == r.MemberId).ToList();
        Assert.All(replies, r => Assert.Equal((short)ErrorCode.None, r.ErrorCode));
        var leader = replies[0];
        var syncs = replies.Skip(1).Select(r => Sync(r)).ToList();
        syncs.Insert(0, Sync(leader, [.. replies.Select(r => (r.MemberId, new byte[] { (byte)replies.IndexOf(r) }))]));
        await Task.WhenAll(syncs);
        Assert.Equal(GroupState.Stable, State);
        return replies;
    }
}
