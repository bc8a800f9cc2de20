using Runnel.Broker.Pipeline;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// FindCoordinator v0-6. A single node coordinates every group, so a group key (key type 0) always finds this
/// node. v0 only knows groups (librdkafka needs v0 in range to use groups at all); v1+ add the key type, v4+ ask
/// for several keys at once. There is no transaction coordinator yet, so transaction keys (type 1) answer
/// COORDINATOR_NOT_AVAILABLE; share-group keys (type 2, v6) and unknown types are INVALID_REQUEST, as in a Kafka
/// without share groups.
/// </summary>
internal sealed class FindCoordinatorHandler : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>
{
    private const sbyte GroupKey = 0, TransactionKey = 1;

    public override ApiKey Key => ApiKey.FindCoordinator;

    public override short MinVersion => 0;

    public override short MaxVersion => 6;

    protected override ValueTask<FindCoordinatorResponse?> HandleAsync(RequestContext context, FindCoordinatorRequest request)
    {
        var (host, port) = context.Broker.AdvertisedFor(context.Connection.ListenerName);
        var (error, message) = Check(request.KeyType);
        var found = error == ErrorCode.None;
        var nodeId = found ? context.Broker.NodeId : -1;
        (host, port) = found ? (host, port) : ("", -1);
        if (context.Version >= 4)
        {
            return new(new FindCoordinatorResponse
            {
                Coordinators = [.. request.CoordinatorKeys.Select(key => new FindCoordinatorResponse.Coordinator
                {
                    Key = key,
                    ErrorCode = (short)error,
                    ErrorMessage = message,
                    NodeId = nodeId,
                    Host = host,
                    Port = port,
                })],
            });
        }
        return new(new FindCoordinatorResponse { ErrorCode = (short)error, ErrorMessage = message, NodeId = nodeId, Host = host, Port = port });
    }

    private static (ErrorCode Error, string? Message) Check(sbyte keyType) => keyType switch
    {
        GroupKey => (ErrorCode.None, null),
        TransactionKey => (ErrorCode.CoordinatorNotAvailable, "This broker has no transaction coordinator."),
        _ => (ErrorCode.InvalidRequest, $"Unsupported key type {keyType}."),
    };
}
