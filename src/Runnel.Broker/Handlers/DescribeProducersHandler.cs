using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Storage;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DescribeProducers v0 (Kafka's handleDescribeProducersRequest): for each partition asked for that this node hosts (as
/// leader or follower), the producers its replica knows (see <see cref="Partitions.Partition.ActiveProducers"/>). An
/// invalid topic name is INVALID_TOPIC_EXCEPTION and an unknown topic UNKNOWN_TOPIC_OR_PARTITION, both with a message,
/// for each of its partitions; a partition the topic does not have is UNKNOWN_TOPIC_OR_PARTITION, one not hosted here
/// NOT_LEADER_OR_FOLLOWER and one whose log cannot be read KAFKA_STORAGE_ERROR, without a message (Kafka's
/// getPartitionOrError).
/// With an authorizer, a topic needs READ (TOPIC_AUTHORIZATION_FAILED for its partitions).
/// </summary>
internal sealed class DescribeProducersHandler : ApiHandler<DescribeProducersRequest, DescribeProducersResponse>
{
    /// <summary>Kafka's message for UNKNOWN_TOPIC_OR_PARTITION (Errors.message()), which ApiError carries for a topic-level error.</summary>
    private const string UnknownTopicMessage = "This server does not host this topic-partition.";

    public override ApiKey Key => ApiKey.DescribeProducers;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<DescribeProducersResponse?> HandleAsync(RequestContext context, DescribeProducersRequest request)
    {
        var response = new DescribeProducersResponse();
        foreach (var topicRequest in request.Topics)
        {
            var reply = new DescribeProducersResponse.TopicResponse { Name = topicRequest.Name };
            var topic = context.Broker.Topics.Find(topicRequest.Name);
            var topicError = !context.AuthorizeTopic(AclOperation.Read, topicRequest.Name) ? (ErrorCode.TopicAuthorizationFailed, "Not authorized to read the topic.")
                : TopicNames.Problem(topicRequest.Name) is { } invalid ? (ErrorCode.InvalidTopicException, invalid)
                : topic is null ? (ErrorCode.UnknownTopicOrPartition, UnknownTopicMessage)
                : ((ErrorCode, string)?)null;
            foreach (var index in topicRequest.PartitionIndexes)
            {
                reply.Partitions.Add(topicError is var (error, message)
                    ? new DescribeProducersResponse.PartitionResponse { PartitionIndex = index, ErrorCode = (short)error, ErrorMessage = message }
                    : Describe(topic!, index));
            }
            response.Topics.Add(reply);
        }
        return new(response);
    }

    private static DescribeProducersResponse.PartitionResponse Describe(TopicState topic, int index)
    {
        var reply = new DescribeProducersResponse.PartitionResponse { PartitionIndex = index };
        if (!topic.Exists(index))
        {
            reply.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
            return reply;
        }
        if (topic.Partition(index) is not { } partition)
        {
            reply.ErrorCode = (short)ErrorCode.NotLeaderOrFollower;
            return reply;
        }
        try
        {
            reply.ActiveProducers = [.. partition.ActiveProducers().Select(p => new DescribeProducersResponse.ProducerState
            {
                ProducerId = p.ProducerId,
                ProducerEpoch = p.Epoch,
                LastSequence = p.LastSequence,
                LastTimestamp = p.LastTimestamp,
                CoordinatorEpoch = p.CoordinatorEpoch,
                CurrentTxnStartOffset = p.CurrentTxnStartOffset,
            })];
        }
        catch (StorageException)
        {
            reply.ErrorCode = (short)ErrorCode.KafkaStorageError;
        }
        return reply;
    }
}
