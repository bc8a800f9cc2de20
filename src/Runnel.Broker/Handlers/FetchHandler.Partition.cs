using Runnel.Broker.Partitions;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Protocol;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Records;

namespace Runnel.Broker.Handlers;

/// <summary>One pass over a fetch's partitions.</summary>
internal sealed partial class FetchHandler
{
    private const byte ReadCommitted = 1;

    /// <summary>What one pass read: the response, its record bytes, whether it must go out now, and where to wait from.</summary>
    /// <summary>
    /// What one pass read: the response, its record bytes, whether it must go out now, and where to wait from (a
    /// throttled partition is watched without counting its bytes, so the wait ends at its deadline, not at once).
    /// </summary>
    private sealed record FetchPass(FetchResponse Response, long Bytes, bool Immediate, List<(Partition Partition, long From, bool Counted)> Watches);

    /// <summary>Reads a fetch's partitions, as a consumer or as the follower replica it names.</summary>
    private sealed class FetchReader(RequestContext context, FetchRequest request)
    {
        /// <summary>The fetching replica's broker id, or -1 for a consumer.</summary>
        private readonly int _replicaId = context.Version >= 15 ? request.ReplicaState.ReplicaId : request.ReplicaId;

        public bool IsReplica => _replicaId >= 0;

        /// <summary>Reads every requested partition once.</summary>
        public FetchPass ReadAll()
        {
            var response = new FetchResponse();
            var pass = new FetchPass(response, 0, false, []);
            var budget = request.MaxBytes <= 0 ? int.MaxValue : request.MaxBytes;
            long total = 0;
            var immediate = false;
            var byId = context.Version >= 13;
            foreach (var fetchTopic in request.Topics)
            {
                var topic = byId ? context.Broker.Topics.Find(fetchTopic.TopicId) : context.Broker.Topics.Find(fetchTopic.Topic);
                var topicReply = new FetchResponse.FetchableTopicResponse { Topic = fetchTopic.Topic, TopicId = fetchTopic.TopicId };
                response.Responses.Add(topicReply);
                foreach (var fetchPartition in fetchTopic.Partitions)
                {
                    var reply = new FetchResponse.PartitionData { PartitionIndex = fetchPartition.Partition, Records = ReadOnlyMemory<byte>.Empty };
                    topicReply.Partitions.Add(reply);
                    reply.AbortedTransactions = request.IsolationLevel == ReadCommitted ? [] : null;
                    if (topic is null || !topic.Exists(fetchPartition.Partition))
                    {
                        reply.ErrorCode = (short)(topic is null && byId ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition);
                        reply.HighWatermark = reply.LastStableOffset = reply.LogStartOffset = -1;
                        immediate = true;
                        continue;
                    }
                    if (topic.Partition(fetchPartition.Partition) is not { } partition)
                    {
                        Refuse(response, reply, topic, fetchPartition.Partition, ErrorCode.NotLeaderOrFollower);
                        immediate = true;
                        continue;
                    }
                    var throttled = IsThrottled(partition);
                    var read = Read(partition, fetchPartition, reply, (int)Math.Min(budget - total, int.MaxValue), total == 0, throttled, out var next);
                    total += read;
                    if (reply.ErrorCode != 0)
                    {
                        if (reply.ErrorCode is (short)ErrorCode.NotLeaderOrFollower or (short)ErrorCode.FencedLeaderEpoch)
                            Refuse(response, reply, topic, fetchPartition.Partition, (ErrorCode)reply.ErrorCode);
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
            reply.LastStableOffset = read.HighWatermark;
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
        private void Refuse(FetchResponse response, FetchResponse.PartitionData reply, TopicState topic, int partition, ErrorCode error)
        {
            reply.ErrorCode = (short)error;
            reply.HighWatermark = reply.LastStableOffset = reply.LogStartOffset = -1;
            reply.Records = ReadOnlyMemory<byte>.Empty;
            if (context.Version < 16)
                return;
            var hint = LeaderHints.For(context.Broker, topic.Id, partition, context.Connection.ListenerName);
            reply.CurrentLeader = new FetchResponse.LeaderIdAndEpoch { LeaderId = hint.LeaderId, LeaderEpoch = hint.LeaderEpoch };
            if (hint.Host is not null && response.NodeEndpoints.All(n => n.NodeId != hint.NodeId))
                response.NodeEndpoints.Add(new FetchResponse.NodeEndpoint { NodeId = hint.NodeId, Host = hint.Host, Port = hint.Port });
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
