using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// Metadata v0-12. Lists this node as the only broker and the controller (clients send admin requests to the
/// controller, so it must be a listed broker), and each topic's partitions led by this node at epoch 0; a broker-only
/// node lists the registered, unfenced brokers, one of them as the controller, and the controller's placement.
/// v0: an empty topic list means all topics; v1+: null means all. Unknown topics are created when the request
/// (v4+) and auto.create.topics.enable both allow it, and are returned at once with their leaders, since a single
/// node has no election to wait for. v10+ carry topic ids; v12 may name topics by id only.
/// </summary>
internal sealed class MetadataHandler : ApiHandler<MetadataRequest, MetadataResponse>
{
    /// <summary>Every topic operation (read, write, create, delete, alter, describe, describe/alter configs) as an ACL bit set.</summary>
    internal const int AllTopicOperations = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);

    public override ApiKey Key => ApiKey.Metadata;

    public override short MinVersion => 0;

    public override short MaxVersion => 12;

    protected override async ValueTask<MetadataResponse?> HandleAsync(RequestContext context, MetadataRequest request)
    {
        var broker = context.Broker;
        var response = new MetadataResponse
        {
            Brokers = [.. broker.ListedNodes(context.Connection.ListenerName).Select(n => new MetadataResponse.MetadataResponseBroker { NodeId = n.Id, Host = n.Host, Port = n.Port })],
            ClusterId = broker.ClusterId,
            ControllerId = broker.ControllerId,
        };
        var allTopics = request.Topics is null || (context.Version == 0 && request.Topics.Count == 0);
        if (allTopics)
        {
            foreach (var topic in broker.Topics.All.OrderBy(t => t.Name, StringComparer.Ordinal))
                response.Topics.Add(Describe(topic, request, broker));
            return response;
        }
        var allowAutoCreate = context.Version < 4 || request.AllowAutoTopicCreation;
        foreach (var requested in request.Topics!)
            response.Topics.Add(await DescribeRequestedAsync(requested, allowAutoCreate, request, broker).ConfigureAwait(false));
        return response;
    }

    private static async Task<MetadataResponse.MetadataResponseTopic> DescribeRequestedAsync(
        MetadataRequest.MetadataRequestTopic requested, bool allowAutoCreate, MetadataRequest request, BrokerServices broker)
    {
        if (requested.Name is null)
        {
            return broker.Topics.Find(requested.TopicId) is { } byId
                ? Describe(byId, request, broker)
                : Error(ErrorCode.UnknownTopicId, null, requested.TopicId);
        }
        var topic = broker.Topics.Find(requested.Name);
        if (topic is null && TopicNames.Problem(requested.Name) is not null)
            return Error(ErrorCode.InvalidTopicException, requested.Name, Guid.Empty);
        if (topic is null && allowAutoCreate)
        {
            var created = await broker.Topics.AutoCreateAsync(requested.Name).ConfigureAwait(false);
            if (!created.Succeeded)
                return Error(created.Error, requested.Name, Guid.Empty);
            topic = broker.Topics.Find(requested.Name);
        }
        return topic is null ? Error(ErrorCode.UnknownTopicOrPartition, requested.Name, Guid.Empty) : Describe(topic, request, broker);
    }

    private static MetadataResponse.MetadataResponseTopic Describe(TopicState topic, MetadataRequest request, BrokerServices broker) => new()
    {
        Name = topic.Name,
        TopicId = topic.Id,
        IsInternal = topic.IsInternal,
        TopicAuthorizedOperations = request.IncludeTopicAuthorizedOperations ? AllTopicOperations : int.MinValue,
        Partitions = [.. topic.Partitions.Select((p, index) => Describe(broker, topic, p, index))],
    };

    /// <summary>
    /// A partition as this node serves it. A broker-only node reports the controller's placement from the image, and
    /// LEADER_NOT_AVAILABLE while that leader is not a registered, unfenced broker (as Kafka's brokers do); elsewhere
    /// this node leads every partition.
    /// </summary>
    private static MetadataResponse.MetadataResponsePartition Describe(BrokerServices broker, TopicState topic, PartitionState partition, int index)
    {
        var reply = new MetadataResponse.MetadataResponsePartition
        {
            PartitionIndex = index,
            LeaderId = broker.NodeId,
            LeaderEpoch = partition.LeaderEpoch,
            ReplicaNodes = [broker.NodeId],
            IsrNodes = [broker.NodeId],
        };
        var image = broker.Quorum.Loader.Image;
        if (broker.Config.IsBrokerOnly && image.Topics.Find(topic.Id)?.Partitions.GetValueOrDefault(index) is { } placed)
        {
            var alive = image.Cluster.Brokers.GetValueOrDefault(placed.Leader) is { Fenced: false };
            reply.ErrorCode = (short)(alive ? ErrorCode.None : ErrorCode.LeaderNotAvailable);
            reply.LeaderId = alive ? placed.Leader : -1;
            reply.ReplicaNodes = [.. placed.Replicas];
            reply.IsrNodes = [.. placed.Isr];
        }
        return reply;
    }

    private static MetadataResponse.MetadataResponseTopic Error(ErrorCode error, string? name, Guid id)
        => new() { ErrorCode = (short)error, Name = name, TopicId = id };
}
