using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Groups;

/// <summary>TxnOffsetCommit, and the end of the transactions whose offsets it stored.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>
    /// Stores a producer's offsets as part of its transaction, as Kafka's TxnOffsetCommit: they go to the group's
    /// partition of __consumer_offsets as one transactional batch of the producer (id and epoch, no sequence) and stay
    /// pending, invisible to OffsetFetch, until <see cref="CompleteTransaction"/> commits or aborts them. Partitions of
    /// unknown topics are answered UNKNOWN_TOPIC_OR_PARTITION before anything else (as KafkaApis filters them), and the
    /// others get the group's error when there is one: COORDINATOR_NOT_AVAILABLE, INVALID_GROUP_ID, the partition's
    /// load status (COORDINATOR_LOAD_IN_PROGRESS reads COORDINATOR_NOT_AVAILABLE before v2), ILLEGAL_GENERATION for a
    /// generation of an unknown group, or the member checks of <see cref="ValidateOffsetCommit"/>, which, for a
    /// transaction, accept any group state and a commit without member id. A failed write answers
    /// <see cref="GroupWriteErrors.ForCommit"/> of the partition's error (an older producer epoch than the log knows is
    /// INVALID_PRODUCER_EPOCH there).
    /// </summary>
    public Task<TxnOffsetCommitResponse> CommitTransactionalOffsetsAsync(TxnOffsetCommitRequest request, short version)
    {
        var reply = new TxnOffsetCommitReply();
        var known = new List<(string Topic, List<TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition> Partitions)>();
        foreach (var topic in request.Topics)
        {
            var partitions = new List<TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition>();
            foreach (var partition in topic.Partitions)
            {
                if (_partitionExists(topic.Name, partition.PartitionIndex))
                    partitions.Add(partition);
                else
                    reply.Add(topic.Name, partition.PartitionIndex, ErrorCode.UnknownTopicOrPartition);
            }
            if (partitions.Count > 0)
                known.Add((topic.Name, partitions));
        }
        if (known.Count == 0)
            return Task.FromResult(reply.Response);
        var refused = RefuseTransactionalCommit(request, version, out var group);
        if (refused != ErrorCode.None)
        {
            known.ForEach(t => t.Partitions.ForEach(p => reply.Add(t.Topic, p.PartitionIndex, refused)));
            return Task.FromResult(reply.Response);
        }
        var written = new List<TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition>();
        var durable = Task.FromResult(ErrorCode.None);
        lock (group)
        {
            var invalid = ValidateOffsetCommit(group, request.MemberId, request.GroupInstanceId, request.GenerationId, transactional: true);
            if (invalid != ErrorCode.None)
            {
                known.ForEach(t => t.Partitions.ForEach(p => reply.Add(t.Topic, p.PartitionIndex, invalid)));
                return Task.FromResult(reply.Response);
            }
            var now = NowMs;
            var commits = new List<(string Topic, int Partition, CommittedOffset Offset)>();
            foreach (var (topic, partitions) in known)
            {
                foreach (var partition in partitions)
                {
                    if (partition.CommittedMetadata is { } metadata && metadata.Length > _config.OffsetMetadataMaxBytes)
                    {
                        reply.Add(topic, partition.PartitionIndex, ErrorCode.OffsetMetadataTooLarge);
                        continue;
                    }
                    commits.Add((topic, partition.PartitionIndex,
                        new CommittedOffset(partition.CommittedOffset, partition.CommittedLeaderEpoch, partition.CommittedMetadata ?? "", now)));
                    written.Add(reply.Add(topic, partition.PartitionIndex, ErrorCode.None));
                }
            }
            if (commits.Count > 0)
            {
                var append = Append(group, [.. commits.Select(c => GroupRecords.OffsetCommit(group.GroupId, c.Topic, c.Partition, c.Offset))],
                    request.ProducerId, request.ProducerEpoch);
                durable = append.Durable;
                // As for plain commits, the state follows the log's order (we hold the lock); only the reply waits.
                if (append.Appended)
                {
                    for (var i = 0; i < commits.Count; i++)
                    {
                        var (topic, partition, offset) = commits[i];
                        group.PendingOffsets.Add(request.ProducerId, topic, partition, offset with { RecordOffset = append.BaseOffset + i });
                    }
                }
            }
        }
        if (durable.IsCompletedSuccessfully && durable.Result == ErrorCode.None)
            return Task.FromResult(reply.Response);
        return durable.ContinueWith(t =>
        {
            var error = GroupWriteErrors.ForCommit(t.IsCompletedSuccessfully ? t.Result : ErrorCode.UnknownServerError);
            if (error != ErrorCode.None)
                written.ForEach(r => r.ErrorCode = (short)error);
            return reply.Response;
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>
    /// The group a TxnOffsetCommit goes to, or why none serves it (Kafka's GroupCoordinatorService checks, then
    /// validateTransactionalOffsetCommit's lookup): a missing group is created as a simple group for a commit without
    /// a generation, and a commit with one is ILLEGAL_GENERATION.
    /// </summary>
    private ErrorCode RefuseTransactionalCommit(TxnOffsetCommitRequest request, short version, out ClassicGroup group)
    {
        group = null!;
        if (!IsActive)
            return ErrorCode.CoordinatorNotAvailable;
        if (request.GroupId.Length == 0)
            return ErrorCode.InvalidGroupId;
        var status = Locate(request.GroupId, out var owner);
        if (status != ErrorCode.None)
            return status == ErrorCode.CoordinatorLoadInProgress && version < 2 ? ErrorCode.CoordinatorNotAvailable : status;
        if (owner.Groups.GetValueOrDefault(request.GroupId) is { } existing)
        {
            group = existing;
            return ErrorCode.None;
        }
        if (request.GenerationId >= 0)
            return ErrorCode.IllegalGeneration;
        if (owner.GetOrCreate(request.GroupId, _time) is not { } created)
            return ErrorCode.NotCoordinator;
        group = created;
        return ErrorCode.None;
    }

    /// <summary>
    /// A producer's transaction ended with a marker now durable in <paramref name="offsetsPartition"/> of
    /// __consumer_offsets (Kafka's replayEndTransactionMarker): on <paramref name="commit"/> each group's pending offsets
    /// of <paramref name="producerId"/> in that partition become its committed offsets (see <see cref="GroupOffsets.Commit"/>),
    /// on abort they are dropped. The producer epoch is not checked here; the log checked the marker. While the
    /// partition loads, the completion is applied once the load ends (a marker appended after the replay began is not
    /// in it); a partition not led here has no state to change.
    /// </summary>
    public void CompleteTransaction(int offsetsPartition, long producerId, short producerEpoch, bool commit)
    {
        if (!IsActive || offsetsPartition < 0 || offsetsPartition >= _partitionCount || Owned(offsetsPartition) is not { } owned)
            return;
        lock (owned)
        {
            if (owned.State == OffsetsPartitionState.Loading)
            {
                owned.DeferCompletion(new TransactionCompletion(producerId, producerEpoch, commit));
                return;
            }
            if (owned.State != OffsetsPartitionState.Active)
                return;
        }
        var ended = 0;
        foreach (var group in owned.Groups.Values)
        {
            lock (group)
            {
                if (!group.Is(GroupState.Dead) && EndTransaction(group, producerId, commit))
                    ended++;
            }
        }
        _logger.LogDebug("Transaction of producer {ProducerId} (epoch {Epoch}) {Result} in {Groups} groups of {Topic}-{Partition}", producerId,
            producerEpoch, commit ? "committed" : "aborted", ended, OffsetsTopicStore.TopicName, offsetsPartition);
    }

    /// <summary>Ends the producer's transaction in one group; false when it had no open transaction there. Call under the group's lock.</summary>
    private static bool EndTransaction(ClassicGroup group, long producerId, bool commit)
    {
        if (group.PendingOffsets.End(producerId) is not { } offsets)
            return false;
        if (commit)
            group.Offsets.Commit(offsets);
        return true;
    }

    /// <summary>
    /// A TxnOffsetCommit reply built as Kafka's TxnOffsetCommitResponse.Builder does: a topic's entry is made the first
    /// time one of its partitions is answered, and later answers for it join that entry.
    /// </summary>
    private sealed class TxnOffsetCommitReply
    {
        private readonly Dictionary<string, TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic> _topics = new(StringComparer.Ordinal);

        public TxnOffsetCommitResponse Response { get; } = new();

        public TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition Add(string topic, int partition, ErrorCode error)
        {
            if (!_topics.TryGetValue(topic, out var entry))
            {
                _topics[topic] = entry = new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic { Name = topic };
                Response.Topics.Add(entry);
            }
            var answer = new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition { PartitionIndex = partition, ErrorCode = (short)error };
            entry.Partitions.Add(answer);
            return answer;
        }
    }
}
