using Runnel.Broker.Pipeline;
using Runnel.Protocol;
using Runnel.Protocol.Primitives;
using Runnel.Raft.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// What the quorum handlers share: a request from another voter goes to this node's Raft member, whose reply is
/// the response. A member that does not answer in time (it is stopping) gets no reply from us but an error the
/// peer's core ignores, as it ignores a lost packet.
/// </summary>
internal static class QuorumForwarding
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(5);

    public static async ValueTask<TResponse> ForwardAsync<TResponse>(RequestContext context, ApiKey api, IKafkaMessage request, Func<TResponse> error)
        where TResponse : class, IKafkaMessage
    {
        var quorum = context.Broker.Quorum;
        var reply = await quorum.Transport.HandleAsync(RaftRequests.SourceOf(request), api, request, ReplyTimeout, context.Cancellation).ConfigureAwait(false);
        return reply as TResponse ?? error();
    }
}
