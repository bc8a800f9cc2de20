using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Raft.Messages;

/// <summary>
/// Builds the Kafka messages the quorum exchanges, each about the one partition <c>__cluster_metadata-0</c>, and reads
/// their single partition back. Kafka's field names stay (CandidateEpoch, LeaderEpoch...); what they mean here is
/// documented where the core uses them.
/// </summary>
public static class RaftRequests
{
    public const string MetadataTopic = "__cluster_metadata";

    /// <summary>Kafka's fixed topic id of the metadata topic (Uuid.METADATA_TOPIC_ID: 0, 1).</summary>
    public static readonly Guid MetadataTopicId = new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], bigEndian: true);

    public static VoteRequest Vote(string? clusterId, int voter, int candidate, int epoch, OffsetAndEpoch last, bool preVote) => new()
    {
        ClusterId = clusterId,
        VoterId = voter,
        Topics = [new() { TopicName = MetadataTopic, Partitions = [new() { CandidateEpoch = epoch, CandidateId = candidate, LastOffsetEpoch = last.Epoch, LastOffset = last.Offset, PreVote = preVote }] }],
    };

    public static VoteResponse VoteReply(ErrorCode error, int? leader, int epoch, bool granted) => new()
    {
        Topics = [new() { TopicName = MetadataTopic, Partitions = [new() { ErrorCode = (short)error, LeaderId = leader ?? -1, LeaderEpoch = epoch, VoteGranted = granted }] }],
    };

    public static BeginQuorumEpochRequest BeginEpoch(string? clusterId, int voter, int leader, int epoch) => new()
    {
        ClusterId = clusterId,
        VoterId = voter,
        Topics = [new() { TopicName = MetadataTopic, Partitions = [new() { LeaderId = leader, LeaderEpoch = epoch }] }],
    };

    public static BeginQuorumEpochResponse BeginEpochReply(ErrorCode error, int? leader, int epoch) => new()
    {
        Topics = [new() { TopicName = MetadataTopic, Partitions = [new() { ErrorCode = (short)error, LeaderId = leader ?? -1, LeaderEpoch = epoch }] }],
    };

    public static EndQuorumEpochRequest EndEpoch(string? clusterId, int leader, int epoch, IEnumerable<int> successors) => new()
    {
        ClusterId = clusterId,
        Topics =
        [
            new()
            {
                TopicName = MetadataTopic,
                Partitions = [new() { LeaderId = leader, LeaderEpoch = epoch, PreferredCandidates = [.. successors.Select(id => new EndQuorumEpochRequest.ReplicaInfo { CandidateId = id })] }],
            },
        ],
    };

    public static EndQuorumEpochResponse EndEpochReply(ErrorCode error, int? leader, int epoch) => new()
    {
        Topics = [new() { TopicName = MetadataTopic, Partitions = [new() { ErrorCode = (short)error, LeaderId = leader ?? -1, LeaderEpoch = epoch }] }],
    };

    public static FetchRequest Fetch(string? clusterId, int replica, int epoch, OffsetAndEpoch position, int maxWaitMs, int maxBytes) => new()
    {
        ClusterId = clusterId,
        ReplicaId = replica,
        ReplicaState = new() { ReplicaId = replica },
        MaxWaitMs = maxWaitMs,
        MinBytes = 1,
        MaxBytes = maxBytes,
        Topics =
        [
            new()
            {
                Topic = MetadataTopic,
                TopicId = MetadataTopicId,
                Partitions = [new() { CurrentLeaderEpoch = epoch, FetchOffset = position.Offset, LastFetchedEpoch = position.Epoch, PartitionMaxBytes = maxBytes }],
            },
        ],
    };

    /// <summary>
    /// The node that sent a quorum request, from the request itself (a candidate, a leader, a fetching replica), as a
    /// server must know it to hand the request to the core; -1 when the request does not say.
    /// </summary>
    public static int SourceOf(IKafkaMessage request) => request switch
    {
        VoteRequest v => Single(v)?.CandidateId ?? -1,
        BeginQuorumEpochRequest b => Single(b)?.LeaderId ?? -1,
        EndQuorumEpochRequest e => Single(e)?.LeaderId ?? -1,
        FetchRequest f => FetchReplica(f),
        FetchSnapshotRequest s => s.ReplicaId,
        _ => -1,
    };

    /// <summary>The fetching replica: ReplicaState (v15+) or the older top-level field.</summary>
    public static int FetchReplica(FetchRequest request) => request.ReplicaState.ReplicaId >= 0 ? request.ReplicaState.ReplicaId : request.ReplicaId;

    public static FetchResponse FetchReply(FetchResponse.PartitionData partition) => new()
    {
        Responses = [new() { Topic = MetadataTopic, TopicId = MetadataTopicId, Partitions = [partition] }],
    };

    public static FetchSnapshotRequest FetchSnapshot(string? clusterId, int replica, int epoch, OffsetAndEpoch snapshot, long position, int maxBytes) => new()
    {
        ClusterId = clusterId,
        ReplicaId = replica,
        MaxBytes = maxBytes,
        Topics =
        [
            new()
            {
                Name = MetadataTopic,
                Partitions = [new() { CurrentLeaderEpoch = epoch, SnapshotId = new() { EndOffset = snapshot.Offset, Epoch = snapshot.Epoch }, Position = position }],
            },
        ],
    };

    public static FetchSnapshotResponse FetchSnapshotReply(FetchSnapshotResponse.PartitionSnapshot partition) => new()
    {
        Topics = [new() { Name = MetadataTopic, Partitions = [partition] }],
    };

    public static VoteRequest.PartitionData? Single(VoteRequest m) => m.Topics is [{ Partitions: [var p] }] ? p : null;

    public static VoteResponse.PartitionData? Single(VoteResponse m) => m.Topics is [{ Partitions: [var p] }] ? p : null;

    public static BeginQuorumEpochRequest.PartitionData? Single(BeginQuorumEpochRequest m) => m.Topics is [{ Partitions: [var p] }] ? p : null;

    public static BeginQuorumEpochResponse.PartitionData? Single(BeginQuorumEpochResponse m) => m.Topics is [{ Partitions: [var p] }] ? p : null;

    public static EndQuorumEpochRequest.PartitionData? Single(EndQuorumEpochRequest m) => m.Topics is [{ Partitions: [var p] }] ? p : null;

    public static EndQuorumEpochResponse.PartitionData? Single(EndQuorumEpochResponse m) => m.Topics is [{ Partitions: [var p] }] ? p : null;

    public static FetchRequest.FetchPartition? Single(FetchRequest m) => m.Topics is [{ Partitions: [var p] }] ? p : null;

    public static FetchResponse.PartitionData? Single(FetchResponse m) => m.Responses is [{ Partitions: [var p] }] ? p : null;

    public static FetchSnapshotRequest.PartitionSnapshot? Single(FetchSnapshotRequest m) => m.Topics is [{ Partitions: [var p] }] ? p : null;

    public static FetchSnapshotResponse.PartitionSnapshot? Single(FetchSnapshotResponse m) => m.Topics is [{ Partitions: [var p] }] ? p : null;
}
