using Runnel.Broker.Authorization;
using Runnel.Broker.Partitions;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// ListOffsets v0-10. Special timestamps: -1 latest (the high watermark, or the last stable offset for
/// read_committed), -2 earliest (log start), -3 the record with the largest timestamp (v7+; -1 when it is not below
/// that bound, as Kafka's ReplicaManager answers), -4 earliest local
/// (v8+; there is no tiered storage, so the log start), -5 earliest pending upload (v9+; nothing is ever pending,
/// so -1). Any other timestamp finds the first record at or after it below the high watermark (the last stable offset for
/// read_committed), or -1 when there is none. v0 answers in the
/// old list form with a single offset. Only the leader answers (NOT_LEADER_OR_FOLLOWER elsewhere); a follower
/// replica asking (ReplicaId at least 0) gets the log end for latest, which it needs to truncate. While a new leader's
/// high watermark is still below where its epoch began, latest and timestamp look-ups are OFFSET_NOT_AVAILABLE, as in
/// Kafka (the previous leader may have exposed more). With an authorizer, a topic the principal may not DESCRIBE
/// answers TOPIC_AUTHORIZATION_FAILED for its partitions.
/// </summary>
internal sealed class ListOffsetsHandler : ApiHandler<ListOffsetsRequest, ListOffsetsResponse>
{
    private const long Latest = -1, Earliest = -2, MaxTimestamp = -3, EarliestLocal = -4, EarliestPendingUpload = -5;

    public override ApiKey Key => ApiKey.ListOffsets;

    public override short MinVersion => 0;

    public override short MaxVersion => 10;

    protected override ValueTask<ListOffsetsResponse?> HandleAsync(RequestContext context, ListOffsetsRequest request)
    {
        var response = new ListOffsetsResponse();
        foreach (var topicRequest in request.Topics)
        {
            var topic = context.Broker.Topics.Find(topicRequest.Name);
            var topicReply = new ListOffsetsResponse.ListOffsetsTopicResponse { Name = topicRequest.Name };
            response.Topics.Add(topicReply);
            var authorized = context.AuthorizeTopic(AclOperation.Describe, topicRequest.Name);
            foreach (var partitionRequest in topicRequest.Partitions)
            {
                var reply = new ListOffsetsResponse.ListOffsetsPartitionResponse { PartitionIndex = partitionRequest.PartitionIndex };
                topicReply.Partitions.Add(reply);
                if (!authorized)
                    (reply.ErrorCode, reply.Timestamp, reply.Offset) = ((short)ErrorCode.TopicAuthorizationFailed, -1, -1);
                else if (TopicState.Leader(topic, partitionRequest.PartitionIndex, partitionRequest.CurrentLeaderEpoch, out var error) is not { } partition)
                    reply.ErrorCode = (short)error;
                else
                    Lookup(partition, partitionRequest.Timestamp, request.IsolationLevel == 1, request.ReplicaId >= 0, reply);
                if (context.Version == 0 && reply.ErrorCode == 0)
                    reply.OldStyleOffsets = reply.Offset >= 0 ? [reply.Offset] : [];
            }
        }
        return new(response);
    }

    private static void Lookup(Partition partition, long timestamp, bool readCommitted, bool fromReplica, ListOffsetsResponse.ListOffsetsPartitionResponse reply)
    {
        var log = partition.Log;
        if (fromReplica && timestamp == Latest)
        {
            (reply.Timestamp, reply.Offset, reply.LeaderEpoch) = (-1, log.LogEndOffset, partition.LeaderEpoch);
            return;
        }
        if (!fromReplica && timestamp is not (Earliest or EarliestLocal or EarliestPendingUpload) && partition.LeaderEpochStartOffset > partition.HighWatermark)
        {
            reply.ErrorCode = (short)ErrorCode.OffsetNotAvailable;
            return;
        }
        // Kafka's lastFetchableOffset: what a consumer of this isolation level may read.
        var fetchable = readCommitted ? partition.LastStableOffset : partition.HighWatermark;
        (long Timestamp, long Offset)? found = timestamp switch
        {
            Latest => (-1, fetchable),
            Earliest or EarliestLocal => (-1, log.LogStartOffset),
            EarliestPendingUpload => (-1, -1),
            MaxTimestamp => log.MaxTimestamp() is { } max && max.Offset < fetchable ? (max.Timestamp, max.Offset) : null,
            _ when timestamp < 0 => null,
            _ => log.FindOffsetByTimestamp(timestamp) is { } at && at.Offset < fetchable ? (at.Timestamp, at.Offset) : null,
        };
        if (found is null && timestamp < 0 && timestamp is not MaxTimestamp)
        {
            reply.ErrorCode = (short)ErrorCode.InvalidRequest;
            return;
        }
        reply.Timestamp = found?.Timestamp ?? -1;
        reply.Offset = found?.Offset ?? -1;
        reply.LeaderEpoch = found is { Offset: >= 0 } ? partition.LeaderEpoch : -1;
    }
}
