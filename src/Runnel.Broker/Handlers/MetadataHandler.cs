using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// Metadata v0-12. Lists the brokers clients may use (see <see cref="BrokerServices.ListedNodes"/>), a controller id
/// (one of those brokers, which forwards admin requests: KIP-590), and each topic's partitions as the controller placed
/// them: leader, leader epoch, replicas, ISR and offline replicas.
/// v0: an empty topic list means all topics; v1+: null means all. Unknown topics are created when the request
/// (v4+) and auto.create.topics.enable both allow it, and are returned at once with their leaders, since a single
/// node has no election to wait for. v10+ carry topic ids; v12 may name topics by id only. With an authorizer (as
/// Kafka's handleTopicMetadataRequest): a request for all topics lists only those the principal may DESCRIBE; a named
/// one it may not is TOPIC_AUTHORIZATION_FAILED (whether or not it exists; by id with a zero id), and auto-creation
/// needs CREATE on the cluster or the topic (TOPIC_AUTHORIZATION_FAILED otherwise). Authorized operations (topic; cluster
/// v8-10, given DESCRIBE on the cluster) are those the principal may perform.
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
        var listener = context.Connection.ListenerName;
        var allTopics = request.Topics is null || (context.Version == 0 && request.Topics.Count == 0);
        if (context.Version is >= 8 and <= 10 && request.IncludeClusterAuthorizedOperations && context.AuthorizeCluster(AclOperation.Describe))
            response.ClusterAuthorizedOperations = context.AuthorizedOperations(AclResourceType.Cluster, StandardAcl.ClusterName, DescribeClusterHandler.AllClusterOperations);
        if (allTopics)
        {
            foreach (var topic in broker.Topics.All.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                if (context.AuthorizeTopic(AclOperation.Describe, topic.Name))
                    response.Topics.Add(Describe(context, topic, request, broker, listener));
            }
            return response;
        }
        var allowAutoCreate = context.Version < 4 || request.AllowAutoTopicCreation;
        foreach (var requested in request.Topics!)
            response.Topics.Add(await DescribeRequestedAsync(context, requested, allowAutoCreate, request, broker, context.Connection.ListenerName).ConfigureAwait(false));
        return response;
    }

    private static async Task<MetadataResponse.MetadataResponseTopic> DescribeRequestedAsync(RequestContext context,
        MetadataRequest.MetadataRequestTopic requested, bool allowAutoCreate, MetadataRequest request, BrokerServices broker, string listener)
    {
        if (requested.Name is null)
        {
            var byId = broker.Topics.Find(requested.TopicId);
            if (byId is not null && !context.AuthorizeTopic(AclOperation.Describe, byId.Name))
                return Error(ErrorCode.TopicAuthorizationFailed, null, Guid.Empty);
            return byId is not null
                ? Describe(context, byId, request, broker, listener)
                : Error(ErrorCode.UnknownTopicId, null, requested.TopicId);
        }
        // Kafka checks DESCRIBE before looking the topic up, so a refused client learns nothing of whether it exists.
        if (!context.AuthorizeTopic(AclOperation.Describe, requested.Name))
            return Error(ErrorCode.TopicAuthorizationFailed, requested.Name, Guid.Empty);
        var topic = broker.Topics.Find(requested.Name);
        if (topic is null && TopicNames.Problem(requested.Name) is not null)
            return Error(ErrorCode.InvalidTopicException, requested.Name, Guid.Empty);
        if (topic is null && allowAutoCreate && !context.AuthorizeCluster(AclOperation.Create) && !context.AuthorizeTopic(AclOperation.Create, requested.Name))
            return Error(ErrorCode.TopicAuthorizationFailed, requested.Name, Guid.Empty);
        if (topic is null && allowAutoCreate)
        {
            var created = await broker.Topics.AutoCreateAsync(requested.Name).ConfigureAwait(false);
            if (!created.Succeeded)
                return Error(created.Error, requested.Name, Guid.Empty);
            topic = broker.Topics.Find(requested.Name);
        }
        return topic is null ? Error(ErrorCode.UnknownTopicOrPartition, requested.Name, Guid.Empty) : Describe(context, topic, request, broker, listener);
    }

    private static MetadataResponse.MetadataResponseTopic Describe(RequestContext context, TopicState topic, MetadataRequest request, BrokerServices broker, string listener)
    {
        var image = broker.Quorum.Loader.Image;
        var placed = image.Topics.Find(topic.Id);
        return new()
        {
            Name = topic.Name,
            TopicId = topic.Id,
            IsInternal = topic.IsInternal,
            TopicAuthorizedOperations = request.IncludeTopicAuthorizedOperations ? context.AuthorizedOperations(AclResourceType.Topic, topic.Name, AllTopicOperations) : int.MinValue,
            Partitions = [.. (placed?.Partitions.Values ?? []).Select(p => Describe(image, p, listener))],
        };
    }

    /// <summary>
    /// A partition as the controller placed it (Kafka's KRaftMetadataCache): the leader when it is a registered broker
    /// with the client's listener, else LEADER_NOT_AVAILABLE with leader -1 and the real leader epoch; replicas and ISR
    /// as they are; offline replicas those on brokers that are unregistered, fenced or without the listener.
    /// </summary>
    private static MetadataResponse.MetadataResponsePartition Describe(MetadataImage image, PartitionImage placed, string listener)
    {
        var leader = PartitionLiveness.Leader(image, placed, listener);
        return new MetadataResponse.MetadataResponsePartition
        {
            ErrorCode = (short)(leader >= 0 ? ErrorCode.None : ErrorCode.LeaderNotAvailable),
            PartitionIndex = placed.Id,
            LeaderId = leader,
            LeaderEpoch = placed.LeaderEpoch,
            ReplicaNodes = [.. placed.Replicas],
            IsrNodes = [.. placed.Isr],
            OfflineReplicas = PartitionLiveness.Offline(image, placed, listener),
        };
    }

    private static MetadataResponse.MetadataResponseTopic Error(ErrorCode error, string? name, Guid id)
        => new() { ErrorCode = (short)error, Name = name, TopicId = id };
}
