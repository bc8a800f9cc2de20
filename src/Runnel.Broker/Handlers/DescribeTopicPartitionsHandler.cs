using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// DescribeTopicPartitions v0 (KIP-966), answered from this node's metadata image as Kafka's
/// DescribeTopicPartitionsRequestHandler and KRaftMetadataCache.describeTopicResponse do. The named topics (an empty
/// list means every topic, and then unknown names cannot arise), from the cursor's topic on, in name order; each
/// partition with its leader (-1 and LEADER_NOT_AVAILABLE when no client-reachable leader), leader epoch, replicas,
/// ISR, eligible leader replicas and last known ELR (empty: there is no ELR here) and offline replicas. At most
/// min(ResponsePartitionLimit, max.request.partition.size.limit), at least 1, partitions per response: a topic cut
/// short sets NextCursor to its next partition; a limit reached exactly at a topic's end sets it to the next topic's
/// partition 0. Unknown names: UNKNOWN_TOPIC_OR_PARTITION (INVALID_TOPIC_EXCEPTION for an invalid name), listed only
/// when topics were named. A cursor whose topic is not among those named, or with a negative partition, is
/// INVALID_REQUEST for every named topic. Topic authorized operations: every topic operation (there is no authorizer,
/// and Kafka fills the field for every topic it describes); the spec's default, -2147483648, on error entries.
/// With an authorizer, a named topic the principal may not DESCRIBE is TOPIC_AUTHORIZATION_FAILED, unnamed ones are
/// left out, and authorized operations are those the principal may perform.
/// </summary>
internal sealed class DescribeTopicPartitionsHandler : ApiHandler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>
{
    public override ApiKey Key => ApiKey.DescribeTopicPartitions;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<DescribeTopicPartitionsResponse?> HandleAsync(RequestContext context, DescribeTopicPartitionsRequest request)
    {
        var image = context.Broker.Quorum.Loader.Image;
        var cursor = request.Cursor;
        var fromTopic = cursor?.TopicName ?? "";
        var all = request.Topics.Count == 0;
        var names = (all ? image.Topics.ByName.Keys : request.Topics.Select(t => t.Name))
            .Where(n => string.CompareOrdinal(n, fromTopic) >= 0).Distinct().Order(StringComparer.Ordinal).ToList();
        if ((!all && cursor is not null && !names.Contains(cursor.TopicName)) || cursor is { PartitionIndex: < 0 })
            return new(Invalid(request));
        var limit = Math.Max(Math.Min(context.Broker.Config.GetInt("max.request.partition.size.limit"), request.ResponsePartitionLimit), 1);
        var response = new DescribeTopicPartitionsResponse();
        var remaining = limit;
        var listener = context.Connection.ListenerName;
        foreach (var name in names)
        {
            if (remaining == 0)
            {
                response.NextCursor = new DescribeTopicPartitionsResponse.Cursor { TopicName = name, PartitionIndex = 0 };
                break;
            }
            if (!context.AuthorizeTopic(AclOperation.Describe, name))
            {
                // As Kafka: a named topic the principal may not DESCRIBE is refused without its id; unnamed ones are left out.
                if (!all)
                    response.Topics.Add(new() { ErrorCode = (short)ErrorCode.TopicAuthorizationFailed, Name = name, IsInternal = IsInternal(name) });
                continue;
            }
            if (image.Topics.Find(name) is not { } topic)
            {
                if (!all)
                    response.Topics.Add(Unknown(name));
                continue;
            }
            var start = name == fromTopic && cursor is not null ? cursor.PartitionIndex : 0;
            var end = Math.Min(topic.PartitionCount, start + remaining);
            var described = Describe(image, topic, start, end, listener);
            described.TopicAuthorizedOperations = context.AuthorizedOperations(AclResourceType.Topic, name, MetadataHandler.AllTopicOperations);
            response.Topics.Add(described);
            remaining -= described.Partitions.Count;
            if (end < topic.PartitionCount)
            {
                response.NextCursor = new DescribeTopicPartitionsResponse.Cursor { TopicName = name, PartitionIndex = end };
                break;
            }
        }
        return new(response);
    }

    private static DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic Describe(MetadataImage image, TopicImage topic, int start, int end, string listener)
    {
        var described = new DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic
        {
            Name = topic.Name,
            TopicId = topic.Id,
            IsInternal = IsInternal(topic.Name),
            TopicAuthorizedOperations = MetadataHandler.AllTopicOperations,
        };
        for (var id = start; id < end; id++)
        {
            if (topic.Partitions.GetValueOrDefault(id) is not { } partition)
                continue;
            var leader = PartitionLiveness.Leader(image, partition, listener);
            described.Partitions.Add(new DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition
            {
                ErrorCode = (short)(leader >= 0 ? ErrorCode.None : ErrorCode.LeaderNotAvailable),
                PartitionIndex = id,
                LeaderId = leader,
                LeaderEpoch = partition.LeaderEpoch,
                ReplicaNodes = [.. partition.Replicas],
                IsrNodes = [.. partition.Isr],
                EligibleLeaderReplicas = [],
                LastKnownElr = [],
                OfflineReplicas = PartitionLiveness.Offline(image, partition, listener),
            });
        }
        return described;
    }

    private static DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic Unknown(string name) => new()
    {
        ErrorCode = (short)(Topics.TopicNames.Problem(name) is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.InvalidTopicException),
        Name = name,
        IsInternal = IsInternal(name),
    };

    /// <summary>As Metadata marks them: Runnel's internal topics start with "__" (__consumer_offsets).</summary>
    private static bool IsInternal(string name) => Topics.TopicNames.IsInternal(name);

    private static DescribeTopicPartitionsResponse Invalid(DescribeTopicPartitionsRequest request) => new()
    {
        Topics = [.. request.Topics.Select(t => new DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic
        {
            ErrorCode = (short)ErrorCode.InvalidRequest,
            Name = t.Name,
        })],
    };
}
