using Runnel.Broker.Pipeline;
using Runnel.Metadata.Control;
using Runnel.Metadata.Controller;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Handlers;

/// <summary>
/// What the handlers of controller-decided admin APIs share (ElectLeaders, AlterPartitionReassignments,
/// ListPartitionReassignments; Kafka's brokers forward these, KIP-590): on the active controller the decision runs in
/// its serial operation and the answer comes once its records are committed; any other node passes the request as
/// received to the active controller (at <paramref name="forwardVersion"/>, which carries every field of every
/// version) and relays the answer. No answer in time is REQUEST_TIMED_OUT; a lost leadership NOT_CONTROLLER (clients
/// retry both).
/// </summary>
internal static class ControllerDecision
{
    public static async ValueTask<TResponse> RunAsync<TResponse>(RequestContext context, ApiKey api, short forwardVersion, IKafkaMessage request,
        Func<MetadataImage, ControllerResult<TResponse>> decide, Func<TResponse, ErrorCode> topLevel, Func<ErrorCode, string, TResponse> error, bool changes)
        where TResponse : class, IKafkaMessage, new()
    {
        var quorum = context.Broker.Quorum;
        if (!quorum.Loader.IsActiveController && quorum.Forwarder is { } forwarder)
        {
            return await forwarder.ForwardRequestAsync(api, forwardVersion, request, topLevel, catchUp: changes, context.Cancellation).ConfigureAwait(false)
                ?? error(ErrorCode.RequestTimedOut, $"No active controller answered the {api} request in time.");
        }
        try
        {
            return await quorum.Controller.ExecuteAsync(decide, context.Cancellation).ConfigureAwait(false);
        }
        catch (NotControllerException e)
        {
            return error(ErrorCode.NotController, e.Message);
        }
        catch (TimeoutException)
        {
            return error(ErrorCode.RequestTimedOut, "The metadata change was not committed in time.");
        }
    }
}
