using Runnel.Broker.Authorization;
using Runnel.Broker.Groups;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Transactions;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// FindCoordinator v0-6. A group key (key type 0) finds the current leader of the group's __consumer_offsets partition
/// in the metadata image, at its endpoint for the client's listener, as Kafka's getCoordinator does:
/// COORDINATOR_NOT_AVAILABLE while the topic does not exist (its creation is requested), the partition has no leader,
/// or the leader is not a registered, unfenced broker with that listener. v0 only knows groups (librdkafka needs v0 in
/// range to use groups at all); v1+ add the key type, v4+ ask for several keys at once. A transactional id (key type
/// 1) finds the leader of its __transaction_state partition the same way, the topic being created on the first such
/// request, as Kafka creates it; share-group keys (type 2, v6) and unknown types are INVALID_REQUEST, as in a Kafka
/// without share groups.
/// With an authorizer, a group key needs DESCRIBE on the group (GROUP_AUTHORIZATION_FAILED), a transactional id
/// DESCRIBE on it (TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class FindCoordinatorHandler : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>
{
    private const sbyte GroupKey = 0, TransactionKey = 1;

    /// <summary>Where a key's coordinator is; node -1, host "" and port -1 with an error, as Kafka's Node.noNode.</summary>
    internal readonly record struct Found(ErrorCode Error, string? Message, int NodeId, string Host, int Port)
    {
        public static Found None(ErrorCode error, string message) => new(error, message, -1, "", -1);
    }

    public override ApiKey Key => ApiKey.FindCoordinator;

    public override short MinVersion => 0;

    public override short MaxVersion => 6;

    protected override ValueTask<FindCoordinatorResponse?> HandleAsync(RequestContext context, FindCoordinatorRequest request)
    {
        var image = context.Broker.Quorum.Loader.Image;
        var listener = context.Connection.ListenerName;
        if (request.KeyType == GroupKey && image.Topics.Find(OffsetsTopicStore.TopicName) is null)
            context.Broker.Groups.RequestOffsetsTopic();
        if (request.KeyType == TransactionKey && image.Topics.Find(TransactionCoordinator.TopicName) is null)
            context.Broker.Transactions?.RequestStateTopic();
        Found Lookup(string key) => request.KeyType switch
        {
            GroupKey when !context.AuthorizeGroup(AclOperation.Describe, key) => Found.None(ErrorCode.GroupAuthorizationFailed, "Not authorized to describe the group."),
            TransactionKey when key.Length > 0 && !context.AuthorizeTransactionalId(AclOperation.Describe, key) => Found.None(ErrorCode.TransactionalIdAuthorizationFailed, "Not authorized to describe the transactional id."),
            GroupKey => GroupCoordinatorIn(image, key, listener),
            TransactionKey when key.Length == 0 => Found.None(ErrorCode.InvalidRequest, "An empty transactional id has no coordinator."),
            TransactionKey when context.Broker.Transactions is null => Found.None(ErrorCode.CoordinatorNotAvailable, "This node has no transaction coordinator."),
            TransactionKey => CoordinatorIn(image, TransactionCoordinator.TopicName, key, listener),
            _ => Found.None(ErrorCode.InvalidRequest, $"Unsupported key type {request.KeyType}."),
        };
        if (context.Version >= 4)
        {
            return new(new FindCoordinatorResponse
            {
                Coordinators = [.. request.CoordinatorKeys.Select(key =>
                {
                    var found = Lookup(key);
                    return new FindCoordinatorResponse.Coordinator
                    {
                        Key = key,
                        ErrorCode = (short)found.Error,
                        ErrorMessage = found.Message,
                        NodeId = found.NodeId,
                        Host = found.Host,
                        Port = found.Port,
                    };
                })],
            });
        }
        var one = Lookup(request.Key);
        return new(new FindCoordinatorResponse { ErrorCode = (short)one.Error, ErrorMessage = one.Message, NodeId = one.NodeId, Host = one.Host, Port = one.Port });
    }

    /// <summary>The coordinator of group <paramref name="groupId"/> as <paramref name="image"/> places it.</summary>
    internal static Found GroupCoordinatorIn(MetadataImage image, string groupId, string listenerName)
        => CoordinatorIn(image, OffsetsTopicStore.TopicName, groupId, listenerName);

    /// <summary>
    /// The leader of the partition of <paramref name="topicName"/> that <paramref name="key"/> hashes to (groups and
    /// transactional ids are placed alike), at its endpoint for <paramref name="listenerName"/>.
    /// </summary>
    internal static Found CoordinatorIn(MetadataImage image, string topicName, string key, string listenerName)
    {
        if (image.Topics.Find(topicName) is not { PartitionCount: > 0 } topic)
            return Found.None(ErrorCode.CoordinatorNotAvailable, $"{topicName} does not exist yet.");
        var partition = GroupCoordinator.PartitionFor(key, topic.PartitionCount);
        var leader = topic.Partitions.GetValueOrDefault(partition)?.Leader ?? -1;
        if (leader < 0)
            return Found.None(ErrorCode.CoordinatorNotAvailable, $"{topicName}-{partition} has no leader.");
        var endpoint = image.Cluster.Brokers.GetValueOrDefault(leader) is { Fenced: false } broker
            ? broker.Endpoints.FirstOrDefault(e => e.Name.Equals(listenerName, StringComparison.OrdinalIgnoreCase))
            : null;
        return endpoint is null
            ? Found.None(ErrorCode.CoordinatorNotAvailable, $"The leader of {topicName}-{partition}, broker {leader}, is not available.")
            : new Found(ErrorCode.None, null, leader, endpoint.Host, endpoint.Port);
    }
}
