using Runnel.Broker.Authorization;
using Runnel.Broker.FetchSessions;
using Runnel.Broker.Partitions;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Raft.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// Fetch v4-17, from consumers and from follower replicas (ReplicaId, or ReplicaState from v15, at least 0). Reads
/// whole batches from each partition up to its PartitionMaxBytes and the response's MaxBytes (the first batch of the
/// response is returned even when larger, as Kafka does, so a reader always makes progress): a consumer below the
/// high watermark (the last stable offset for read_committed), a follower up to the log end, and a follower's fetch
/// offset is its acknowledgement (see <see cref="Partition.ReadForReplica"/>). Only the leader serves a partition
/// (NOT_LEADER_OR_FOLLOWER, with the current leader from v16, KIP-951). When fewer than MinBytes are ready the fetch
/// waits up to MaxWaitMs as a <see cref="DelayedFetch"/>: woken by the appends (followers), high watermark moves
/// (read_uncommitted consumers) or last stable offset moves (read_committed consumers) that bring enough bytes, or a leadership change, it then reads each partition once. Fetch sessions
/// (KIP-227, v7+) as Kafka keeps them: see <see cref="FetchSessionCache.NewContext"/> for what SessionId and
/// SessionEpoch mean; an incremental fetch reads all its session's partitions and answers only those with news.
/// v13+ name topics by id. zstd batches are refused below v10 with UNSUPPORTED_COMPRESSION_TYPE. Aborted
/// transactions: null for read_uncommitted; for read_committed those the records overlap (maybe none), and a
/// read_committed fetch reads only below the last stable offset. A fetch of __cluster_metadata (by name or
/// Kafka's fixed topic id) is a voter replicating the metadata log and goes to the quorum member (CLUSTER_ACTION on
/// the cluster). With an authorizer, a consumer needs READ on each topic and a follower CLUSTER_ACTION on the cluster;
/// other partitions answer TOPIC_AUTHORIZATION_FAILED.
/// </summary>
internal sealed partial class FetchHandler : ApiHandler<FetchRequest, FetchResponse>
{
    public override ApiKey Key => ApiKey.Fetch;

    public override short MinVersion => 4;

    public override short MaxVersion => 17;

    /// <summary>A follower's fetch is replication, outside request quotas.</summary>
    public override bool ExemptFromRequestQuota(IKafkaMessage request, short version) => request is FetchRequest fetch && (version >= 15 ? fetch.ReplicaState.ReplicaId : fetch.ReplicaId) >= 0;

    protected override ValueTask<FetchResponse?> HandleAsync(RequestContext context, FetchRequest request)
    {
        var served = ServeAsync(context, request);
        // Followers are not held to client quotas (Kafka throttles replication separately).
        if ((context.Version >= 15 ? request.ReplicaState.ReplicaId : request.ReplicaId) >= 0)
            return served;
        return context.Broker.Quotas.ThrottleFetchAsync(context, served);
    }

    private async ValueTask<FetchResponse?> ServeAsync(RequestContext context, FetchRequest request)
    {
        // A voter replicating the metadata log: the quorum member answers (see RaftNode.Fetch).
        if (request.Topics is [var only] && (only.Topic == RaftRequests.MetadataTopic || only.TopicId == RaftRequests.MetadataTopicId))
        {
            return !context.AuthorizeCluster(AclOperation.ClusterAction)
                ? new FetchResponse { ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed }
                : await QuorumForwarding.ForwardAsync(context, Key, request,
                    () => new FetchResponse { ErrorCode = (short)ErrorCode.BrokerNotAvailable }).ConfigureAwait(false);
        }
        var fetch = new FetchReader(context, request);
        var session = context.Broker.FetchSessions.NewContext(context.Version, request.SessionId, request.SessionEpoch, fetch.IsReplica,
            Listed(context.Version, request), Forgotten(context.Version, request));
        var first = fetch.ReadAll(session.Targets);
        if (request.MaxWaitMs <= 0 || first.Bytes >= request.MinBytes || first.Immediate || first.Watches.Count == 0)
            return session.Respond(first.Answers, first.Nodes);
        // Too little: wait as a delayed fetch from where this read ended, then read once more.
        context.ReleaseResources();
        using (var delayed = new DelayedFetch(request.MinBytes, first.Bytes))
        {
            foreach (var (partition, from, counted) in first.Watches)
                delayed.Add(partition, from, fetch.Bound, counted);
            delayed.Start();
            try
            {
                await delayed.Completion.WaitAsync(TimeSpan.FromMilliseconds(request.MaxWaitMs), context.Broker.Time, context.Cancellation).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The wait is over: answer with whatever is there now.
            }
        }
        var last = fetch.ReadAll(session.Targets);
        return session.Respond(last.Answers, last.Nodes);
    }

    /// <summary>The partitions the request lists, by topic id from v13 and by name below; a partition listed twice is read once, with the later fields.</summary>
    private static List<FetchTarget> Listed(short version, FetchRequest request)
    {
        var targets = new List<FetchTarget>();
        var index = new Dictionary<FetchKey, int>();
        foreach (var topic in request.Topics)
        {
            foreach (var partition in topic.Partitions)
            {
                var key = version >= 13 ? new FetchKey(topic.TopicId, null, partition.Partition) : new FetchKey(Guid.Empty, topic.Topic, partition.Partition);
                if (index.TryGetValue(key, out var at))
                {
                    targets[at].Request = partition;
                    continue;
                }
                index.Add(key, targets.Count);
                targets.Add(new FetchTarget(key, partition));
            }
        }
        return targets;
    }

    /// <summary>The partitions an incremental fetch asks its session to drop (ForgottenTopicsData, v7+).</summary>
    private static List<FetchKey> Forgotten(short version, FetchRequest request)
        => [.. request.ForgottenTopicsData.SelectMany(t => t.Partitions.Select(p => version >= 13 ? new FetchKey(t.TopicId, null, p) : new FetchKey(Guid.Empty, t.Topic, p)))];
}
