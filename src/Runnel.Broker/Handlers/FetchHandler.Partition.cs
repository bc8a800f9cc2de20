using Runnel.Broker.Authorization;
using Runnel.Broker.FetchSessions;
using Runnel.Broker.Partitions;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Records;

namespace Runnel.Broker.Handlers;

/// <summary>One pass over a fetch's partitions.</summary>
internal sealed partial class FetchHandler
{
    private const byte ReadCommitted = 1;

    /// <summary>
    /// What one pass read: an answer per partition in order, the leaders' endpoints the answers point to (v16+), the
    /// record bytes, whether it must go out now, and where to wait from (a throttled partition is watched without
    /// counting its bytes, so the wait ends at its deadline, not at once).
    /// </summary>
    private sealed record FetchPass(List<(FetchTarget Target, FetchResponse.PartitionData Data)> Answers, List<FetchResponse.NodeEndpoint> Nodes, long Bytes,
        bool Immediate, List<(Partition Partition, long From, bool Counted)> Watches);

    /// <summary>Reads a fetch's partitions, as a consumer or as the follower replica it names.</summary>
    private sealed class FetchReader(RequestContext context, FetchRequest request)
    {
        /// <summary>The fetching replica's broker id, or -1 for a consumer.</summary>
        private readonly int _replicaId = context.Version >= 15 ? request.ReplicaState.ReplicaId : request.ReplicaId;

        public bool IsReplica => _replicaId >= 0;

        /// <summary>What this fetch may read up to, and so waits on: the log end, the high watermark or the last stable offset.</summary>
        public FetchBound Bound => IsReplica ? FetchBound.LogEnd : request.IsolationLevel == ReadCommitted ? FetchBound.LastStable : FetchBound.HighWatermark;

        private bool? _replicaAllowed;
        private string? _checkedTopic;
        private bool _checkedAllowed;

        /// <summary>
        /// Kafka's fetch authorization: a follower needs CLUSTER_ACTION on the cluster, a consumer READ on each topic
        /// (checked once per run of a topic's partitions); refused partitions answer TOPIC_AUTHORIZATION_FAILED.
        /// </summary>
        private bool MayRead(string topic)
        {
            if (!context.HasAuthorizer())
                return true;
            if (IsReplica)
                return _replicaAllowed ??= context.AuthorizeCluster(AclOperation.ClusterAction);
            if (topic != _checkedTopic)
                (_checkedTopic, _checkedAllowed) = (topic, context.AuthorizeTopic(AclOperation.Read, topic));
            return _checkedAllowed;
        }

        /// <summary>Reads every target once. Every answer has a record set, empty where there is nothing or an error.</summary>
        public FetchPass ReadAll(List<FetchTarget> targets)
        {
            var pass = new FetchPass([], [], 0, false, []);
            var budget = request.MaxBytes <= 0 ? int.MaxValue : request.MaxBytes;
            long total = 0;
            var immediate = false;
            TopicState? topic = null;
            foreach (var target in targets)
            {
                var (key, fetchPartition) = (target.Key, target.Request);
                if (topic is null || (key.Topic is { } name ? topic.Name != name : topic.Id != key.TopicId))
                    topic = key.Topic is { } byName ? context.Broker.Topics.Find(byName) : context.Broker.Topics.Find(key.TopicId);
                var reply = new FetchResponse.PartitionData { PartitionIndex = key.Partition, Records = ReadOnlyMemory<byte>.Empty };
                pass.Answers.Add((target, reply));
                // read_committed lists the aborted transactions its records overlap; an errored partition has none at all (null), as in Kafka.
                reply.AbortedTransactions = request.IsolationLevel == ReadCommitted ? [] : null;
                if ((key.Topic ?? topic?.Name) is { } authorizedName && !MayRead(authorizedName))
                {
                    reply.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
                    reply.HighWatermark = reply.LastStableOffset = reply.LogStartOffset = -1;
                    reply.AbortedTransactions = null;
                    immediate = true;
                    continue;
                }
                if (topic is null || !topic.Exists(key.Partition))
                {
                    reply.ErrorCode = (short)(topic is null && key.Topic is null ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition);
                    reply.HighWatermark = reply.LastStableOffset = reply.LogStartOffset = -1;
                    reply.AbortedTransactions = null;
                    immediate = true;
                    continue;
                }
                if (topic.Partition(key.Partition) is not { } partition)
                {
                    Refuse(pass.Nodes, reply, topic, key.Partition, ErrorCode.NotLeaderOrFollower);
                    immediate = true;
                    continue;
                }
                var throttled = IsThrottled(partition);
                var read = Read(partition, fetchPartition, reply, (int)Math.Min(budget - total, int.MaxValue), total == 0, throttled, out var next);
                total += read;
                if (reply.ErrorCode != 0)
                {
                    reply.AbortedTransactions = null;
                    if (reply.ErrorCode is (short)ErrorCode.NotLeaderOrFollower or (short)ErrorCode.FencedLeaderEpoch)
                        Refuse(pass.Nodes, reply, topic, key.Partition, (ErrorCode)reply.ErrorCode);
                    immediate = true;
                }
                else if (reply.DivergingEpoch.Epoch >= 0 || reply.DivergingEpoch.EndOffset >= 0)
                {
                    immediate = true;
                }
                else
                {
                    pass.Watches.Add((partition, next, !throttled));
                }
            }
            return pass with { Bytes = total, Immediate = immediate };
        }

        /// <summary>
        /// Whether this fetch is a replica's that a reassignment is adding to <paramref name="partition"/> (Kafka's
        /// leader.replication.throttled.replicas, here always the adding ones); such fetches share the leader's
        /// <see cref="Replication.ReplicationThrottle"/>.
        /// </summary>
        private bool IsThrottled(Partition partition)
            => IsReplica && !context.Broker.Topics.Replicas.LeaderThrottle.IsUnlimited && partition.Assignment.Adding.Contains(_replicaId);

        /// <summary>
        /// Fills <paramref name="reply"/> for one partition and returns the record bytes it carries. A throttled
        /// replica's read gets at most the throttle's allowance (at least one batch while there is any; none while it
        /// is used up), and what it gets counts against it.
        /// </summary>
        private int Read(Partition partition, FetchRequest.FetchPartition fetch, FetchResponse.PartitionData reply, int responseBudget, bool firstInResponse,
            bool throttled, out long next)
        {
            next = fetch.FetchOffset;
            var maxBytes = Math.Min(Math.Max(fetch.PartitionMaxBytes, 0), responseBudget);
            var throttle = context.Broker.Topics.Replicas.LeaderThrottle;
            if (throttled)
                maxBytes = throttle.Allowance(maxBytes);
            var read = IsReplica
                ? partition.ReadForReplica(_replicaId, context.Version >= 15 ? request.ReplicaState.ReplicaEpoch : -1, fetch.FetchOffset, fetch.LastFetchedEpoch,
                    fetch.CurrentLeaderEpoch, maxBytes, firstInResponse || throttled, withholdRecords: throttled && maxBytes == 0)
                : partition.ReadForConsumer(fetch.FetchOffset, maxBytes, request.IsolationLevel == ReadCommitted, firstInResponse, fetch.CurrentLeaderEpoch,
                    fetch.LastFetchedEpoch);
            reply.HighWatermark = read.HighWatermark;
            reply.LastStableOffset = read.LastStableOffset;
            if (read.AbortedTransactions is { Count: > 0 } aborted)
                reply.AbortedTransactions = [.. aborted.Select(a => new FetchResponse.AbortedTransaction { ProducerId = a.ProducerId, FirstOffset = a.FirstOffset })];
            reply.LogStartOffset = read.LogStartOffset;
            reply.ErrorCode = (short)read.Error;
            if (read.DivergingEpoch is var (epoch, endOffset))
                reply.DivergingEpoch = new FetchResponse.EpochEndOffset { Epoch = epoch, EndOffset = endOffset };
            if (read.Records is not { } result)
                return 0;
            using (result)
            {
                if (result.IsEmpty)
                    return 0;
                var owner = context.Track(result.ToPooledMemory());
                var records = owner.Memory[..result.Length];
                if (context.Version < 10 && ContainsZstd(records.Span))
                {
                    reply.ErrorCode = (short)ErrorCode.UnsupportedCompressionType;
                    return 0;
                }
                reply.Records = records;
                next = result.NextOffset;
                if (throttled)
                    throttle.Record(records.Length);
                return records.Length;
            }
        }

        /// <summary>NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH, with the current leader from v16 (KIP-951).</summary>
        private void Refuse(List<FetchResponse.NodeEndpoint> nodes, FetchResponse.PartitionData reply, TopicState topic, int partition, ErrorCode error)
        {
            reply.ErrorCode = (short)error;
            reply.HighWatermark = reply.LastStableOffset = reply.LogStartOffset = -1;
            reply.Records = ReadOnlyMemory<byte>.Empty;
            reply.AbortedTransactions = null;
            if (context.Version < 16)
                return;
            var hint = LeaderHints.For(context.Broker, topic.Id, partition, context.Connection.ListenerName);
            reply.CurrentLeader = new FetchResponse.LeaderIdAndEpoch { LeaderId = hint.LeaderId, LeaderEpoch = hint.LeaderEpoch };
            if (hint.Host is not null && nodes.All(n => n.NodeId != hint.NodeId))
                nodes.Add(new FetchResponse.NodeEndpoint { NodeId = hint.NodeId, Host = hint.Host, Port = hint.Port });
        }
    }

    /// <summary>Kafka refuses zstd batches to fetches below v10, whose clients may not know the codec.</summary>
    private static bool ContainsZstd(ReadOnlySpan<byte> batches)
    {
        while (RecordBatchHeader.TryRead(batches, out var header) && header.TotalSize <= batches.Length && header.TotalSize > 0)
        {
            if (header.Compression == CompressionType.Zstd)
                return true;
            batches = batches[header.TotalSize..];
        }
        return false;
    }
}
