using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Storage;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DeleteRecords v0-2: advances each partition's log start offset (its low watermark) to the given offset; -1 means
/// the high watermark. An offset above the high watermark is OFFSET_OUT_OF_RANGE. Whole segments below the new
/// start are removed by the next retention pass. Only the leader deletes (NOT_LEADER_OR_FOLLOWER elsewhere); followers
/// take the new log start from their next fetch. The answer does not wait for them (Kafka's waits until every replica's
/// low watermark reached the offset).
/// With an authorizer, a topic needs DELETE (TOPIC_AUTHORIZATION_FAILED for its partitions).
/// </summary>
internal sealed class DeleteRecordsHandler : ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse>
{
    public override ApiKey Key => ApiKey.DeleteRecords;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override ValueTask<DeleteRecordsResponse?> HandleAsync(RequestContext context, DeleteRecordsRequest request)
    {
        var response = new DeleteRecordsResponse();
        foreach (var topicRequest in request.Topics)
        {
            var topic = context.Broker.Topics.Find(topicRequest.Name);
            var topicReply = new DeleteRecordsResponse.DeleteRecordsTopicResult { Name = topicRequest.Name };
            response.Topics.Add(topicReply);
            var authorized = context.AuthorizeTopic(AclOperation.Delete, topicRequest.Name);
            foreach (var partitionRequest in topicRequest.Partitions)
            {
                var reply = new DeleteRecordsResponse.DeleteRecordsPartitionResult { PartitionIndex = partitionRequest.PartitionIndex, LowWatermark = -1 };
                topicReply.Partitions.Add(reply);
                if (!authorized)
                {
                    reply.ErrorCode = (short)ErrorCode.TopicAuthorizationFailed;
                    continue;
                }
                if (Topics.TopicState.Leader(topic, partitionRequest.PartitionIndex, -1, out var error) is not { } partition)
                {
                    reply.ErrorCode = (short)error;
                    continue;
                }
                var offset = partitionRequest.Offset == -1 ? partition.HighWatermark : partitionRequest.Offset;
                if (offset < 0 || offset > partition.HighWatermark)
                {
                    reply.ErrorCode = (short)ErrorCode.OffsetOutOfRange;
                    continue;
                }
                try
                {
                    reply.LowWatermark = context.Broker.Topics.Logs.DeleteRecords(partition.TopicPartition, offset);
                }
                catch (StorageException e)
                {
                    reply.ErrorCode = (short)(e.Kind == StorageErrorKind.OffsetOutOfRange ? ErrorCode.OffsetOutOfRange : ErrorCode.KafkaStorageError);
                }
            }
        }
        return new(response);
    }
}
