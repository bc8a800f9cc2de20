using Runnel.Broker.Authorization;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// CreateTopics v0-7. -1 partitions or replication factor take the broker defaults; explicit assignments name one
/// registered, unfenced broker per partition (this node on a single node). validateOnly (v1+) checks without
/// creating. A name given twice in one request fails for both entries (INVALID_REQUEST), as in Kafka. v5+ replies with the new topic's partitions, replication factor and
/// configs; v7+ with its id.
/// With an authorizer, a topic needs CREATE on the cluster or on the topic (TOPIC_AUTHORIZATION_FAILED otherwise,
/// nothing created), and its configs, partitions and replication factor are answered only with DESCRIBE_CONFIGS on it
/// (else TopicConfigErrorCode TOPIC_AUTHORIZATION_FAILED, as Kafka does).
/// </summary>
internal sealed class CreateTopicsHandler : ApiHandler<CreateTopicsRequest, CreateTopicsResponse>
{
    public override ApiKey Key => ApiKey.CreateTopics;

    public override short MinVersion => 0;

    public override short MaxVersion => 7;

    protected override async ValueTask<CreateTopicsResponse?> HandleAsync(RequestContext context, CreateTopicsRequest request)
    {
        var response = new CreateTopicsResponse();
        var clusterCreate = context.AuthorizeCluster(AclOperation.Create);
        var duplicates = request.Topics.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var creatable in request.Topics)
        {
            var result = duplicates.Contains(creatable.Name)
                ? new TopicResult(ErrorCode.InvalidRequest, $"Create topics request from client contains a duplicate topic: {creatable.Name}")
                : !clusterCreate && !context.AuthorizeTopic(AclOperation.Create, creatable.Name)
                ? new TopicResult(ErrorCode.TopicAuthorizationFailed, null)
                : await CreateAsync(context, creatable, request.validateOnly).ConfigureAwait(false);
            var reply = new CreateTopicsResponse.CreatableTopicResult
            {
                Name = creatable.Name,
                ErrorCode = (short)result.Error,
                ErrorMessage = result.Message,
            };
            if (result.Succeeded && !context.AuthorizeTopic(AclOperation.DescribeConfigs, creatable.Name))
                (reply.NumPartitions, reply.ReplicationFactor, reply.TopicConfigErrorCode) = (-1, -1, (short)ErrorCode.TopicAuthorizationFailed);
            else if (result.Succeeded && context.Broker.Topics.Find(creatable.Name) is { } topic && !request.validateOnly)
                Describe(context, topic, reply);
            else if (result.Succeeded)
                reply.NumPartitions = creatable.NumPartitions;
            response.Topics.Add(reply);
        }
        return response;
    }

    private static async Task<TopicResult> CreateAsync(RequestContext context, CreateTopicsRequest.CreatableTopic creatable, bool validateOnly)
    {
        var partitions = creatable.NumPartitions;
        var replication = creatable.ReplicationFactor;
        IReadOnlyList<IReadOnlyList<int>>? assignments = null;
        if (creatable.Assignments.Count > 0)
        {
            if (partitions != -1 || replication != -1)
                return new(ErrorCode.InvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
            if (!creatable.Assignments.Select(a => a.PartitionIndex).Order().SequenceEqual(Enumerable.Range(0, creatable.Assignments.Count)))
                return new(ErrorCode.InvalidReplicaAssignment, "Partitions in the assignment must be numbered 0 to N-1.");
            if (creatable.Assignments.Select(a => a.BrokerIds.Count).Distinct().Count() > 1)
                return new(ErrorCode.InvalidReplicaAssignment, "All partitions in the manual partition assignment must have the same number of replicas.");
            partitions = creatable.Assignments.Count;
            replication = (short)creatable.Assignments[0].BrokerIds.Count;
            assignments = [.. creatable.Assignments.OrderBy(a => a.PartitionIndex).Select(a => (IReadOnlyList<int>)[.. a.BrokerIds])];
        }
        if (creatable.Configs.Any(c => c.Value is null))
            return new(ErrorCode.InvalidRequest, "Null value not supported for topic configs.");
        var configs = creatable.Configs.ToDictionary(c => c.Name, c => c.Value!, StringComparer.Ordinal);
        return await context.Broker.Topics.CreateAsync(creatable.Name, partitions, replication, configs, validateOnly, assignments).ConfigureAwait(false);
    }

    private static void Describe(RequestContext context, TopicState topic, CreateTopicsResponse.CreatableTopicResult reply)
    {
        reply.TopicId = topic.Id;
        reply.NumPartitions = topic.PartitionCount;
        reply.ReplicationFactor = (short)(context.Broker.Quorum.Loader.Image.Topics.Find(topic.Id)?.Partitions.Values.FirstOrDefault()?.Replicas.Length ?? 1);
        reply.Configs = [.. ConfigDescriber.Topic(topic, context.Broker.Config, context.Broker.Topics.DynamicBrokerConfigs).Select(c => new CreateTopicsResponse.CreatableTopicConfigs
        {
            Name = c.Name,
            Value = c.Value,
            ReadOnly = c.ReadOnly,
            ConfigSource = (sbyte)c.Source,
            IsSensitive = c.Sensitive,
        })];
    }
}
