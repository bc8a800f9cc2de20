using Runnel.Protocol;
using Runnel.Protocol.Primitives;

namespace Runnel.Broker.Pipeline;

/// <summary>
/// Serves one API. The versions declared here are the only list of what the broker supports: ApiVersions is
/// computed from the registered handlers, and a request outside the range never reaches <see cref="HandleAsync"/>.
/// </summary>
internal abstract class ApiHandler
{
    public abstract ApiKey Key { get; }

    public abstract short MinVersion { get; }

    public abstract short MaxVersion { get; }

    /// <summary>
    /// When true, the connection may read and start the next request while this one's reply is still pending.
    /// Such a handler must finish everything whose order matters (appending to a log) before its first await;
    /// replies still go out in request order. Produce uses this so group commit can batch a pipeline's fsyncs.
    /// </summary>
    public virtual bool AllowsPipelining => false;

    /// <summary>
    /// Whether this request is outside request_percentage quotas: the cluster's own traffic (replication, the quorum,
    /// broker registration and heartbeats, transaction markers) and authentication, as Kafka answers them with
    /// sendResponseExemptThrottle or outside KafkaApis.
    /// </summary>
    public virtual bool ExemptFromRequestQuota(IKafkaMessage request, short version) => false;

    /// <summary>Returns the response body, or null when the client expects no reply (Produce with acks=0).</summary>
    public abstract ValueTask<IKafkaMessage?> HandleAsync(RequestContext context, IKafkaMessage request);

    /// <summary>A fresh request object to decode into.</summary>
    public abstract IKafkaMessage CreateRequest();
}

/// <summary>Typed base: decodes into <typeparamref name="TRequest"/> and returns <typeparamref name="TResponse"/>.</summary>
internal abstract class ApiHandler<TRequest, TResponse> : ApiHandler
    where TRequest : class, IKafkaMessage, new()
    where TResponse : class, IKafkaMessage
{
    public sealed override IKafkaMessage CreateRequest() => new TRequest();

    public sealed override ValueTask<IKafkaMessage?> HandleAsync(RequestContext context, IKafkaMessage request)
    {
        var pending = HandleAsync(context, (TRequest)request);
        return pending.IsCompletedSuccessfully ? new(pending.Result) : AwaitAsync(pending);

        static async ValueTask<IKafkaMessage?> AwaitAsync(ValueTask<TResponse?> pending) => await pending.ConfigureAwait(false);
    }

    protected abstract ValueTask<TResponse?> HandleAsync(RequestContext context, TRequest request);
}
