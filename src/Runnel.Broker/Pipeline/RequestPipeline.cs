using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Pipeline;

/// <summary>A request on its way to a reply: what the connection must write back, in order.</summary>
internal readonly record struct PendingResponse(
    int CorrelationId, short ApiKey, short ApiVersion, ValueTask<IKafkaMessage?> Body, bool AllowsPipelining, string? CloseReason,
    RequestContext? Context = null)
{
    public static PendingResponse Close(string reason) => new(0, 0, 0, default, false, reason);
}

/// <summary>
/// Decodes a frame's header, routes it by API key to its handler and starts the handler. Requests for an unknown
/// API or version, or with a body that does not decode, close the connection as Kafka does — except an ApiVersions
/// version above ours, which gets the v0-shaped UNSUPPORTED_VERSION reply so the client can retry lower. The time
/// spent decoding and starting a handler counts against the client's request quota (<see cref="Quotas.BrokerQuotas.ThrottleRequest"/>).
/// </summary>
internal sealed class RequestPipeline(HandlerRegistry handlers, BrokerServices broker, ILogger logger)
{
    /// <param name="arrivedTimestamp">When the whole frame had arrived, by the broker's clock; 0 for now.</param>
    public PendingResponse Dispatch(ReadOnlyMemory<byte> frame, ConnectionInfo connection, CancellationToken cancellation, long arrivedTimestamp = 0)
    {
        var decoding = broker.Time.GetTimestamp();
        var reader = new KafkaReader(frame);
        var header = Framing.ReadRequestHeader(ref reader, frame.Span);
        if (reader.Failed)
            return PendingResponse.Close($"malformed request header: {reader.Failure}");
        var key = header.RequestApiKey;
        var version = header.RequestApiVersion;
        var handler = handlers.Find(key);
        if (handler is null)
            return PendingResponse.Close($"unsupported API key {key} (version {version}) from client '{header.ClientId}'");
        if (version < handler.MinVersion || version > handler.MaxVersion)
        {
            if (handler.Key == ApiKey.ApiVersions && version > handler.MaxVersion)
                return new PendingResponse(header.CorrelationId, key, 0, new(UnsupportedApiVersionsReply(handler)), false, null);
            return PendingResponse.Close($"unsupported {handler.Key} version {version} (serving {handler.MinVersion}-{handler.MaxVersion}) from client '{header.ClientId}'");
        }
        var request = handler.CreateRequest();
        request.Read(ref reader, version);
        if (reader.Failed)
            return PendingResponse.Close($"malformed {handler.Key} v{version} request: {reader.Failure}");
        if (reader.Remaining != 0)
            logger.LogDebug("{Api} v{Version} request had {Bytes} trailing bytes", handler.Key, version, reader.Remaining);
        var started = broker.Time.GetTimestamp();
        var context = new RequestContext(header, connection, broker, cancellation)
        {
            ArrivedTimestamp = arrivedTimestamp == 0 ? started : arrivedTimestamp,
            StartedTimestamp = started,
        };
        var body = handler.ExemptFromRequestQuota(request, version)
            ? Invoke(handler, context, request)
            : broker.Quotas.ThrottleRequest(context, Invoke(handler, context, request), decoding);
        return new PendingResponse(header.CorrelationId, key, version, body, handler.AllowsPipelining, null, context);
    }

    /// <summary>
    /// Counts a request whose reply was written (or, for acks=0, dropped) in kafka.network.requestmetrics: its time
    /// from arrival and the time it queued for the connection's byte budget before its handler started.
    /// </summary>
    public void Completed(in PendingResponse response)
    {
        if (response.Context is not { } context)
            return;
        var now = broker.Time.GetTimestamp();
        broker.Metrics.RequestCompleted(response.ApiKey, broker.Time.GetElapsedTime(context.ArrivedTimestamp, context.StartedTimestamp),
            broker.Time.GetElapsedTime(context.ArrivedTimestamp, now));
    }

    private ValueTask<IKafkaMessage?> Invoke(ApiHandler handler, RequestContext context, IKafkaMessage request)
    {
        try
        {
            return handler.HandleAsync(context, request);
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Api} v{Version} handler failed", handler.Key, context.Version);
            return ValueTask.FromException<IKafkaMessage?>(e);
        }
    }

    /// <summary>Kafka's answer to an ApiVersions version it does not know: a v0 body naming the versions it does.</summary>
    private static ApiVersionsResponse UnsupportedApiVersionsReply(ApiHandler handler) => new()
    {
        ErrorCode = (short)ErrorCode.UnsupportedVersion,
        ApiKeys = [new ApiVersionsResponse.ApiVersion { ApiKey = (short)handler.Key, MinVersion = handler.MinVersion, MaxVersion = handler.MaxVersion }],
    };
}
