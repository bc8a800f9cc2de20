using System.Net;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Pipeline;

/// <summary>What a handler knows about the request beyond its body: header, connection, and the broker.</summary>
internal sealed class RequestContext(RequestHeader header, ConnectionInfo connection, BrokerServices broker, CancellationToken cancellation)
{
    public RequestHeader Header { get; } = header;

    public short Version => Header.RequestApiVersion;

    public ConnectionInfo Connection { get; } = connection;

    public BrokerServices Broker { get; } = broker;

    /// <summary>When the whole request had arrived (the broker clock's timestamp), for the request metrics.</summary>
    public long ArrivedTimestamp { get; init; }

    /// <summary>When its handler started (the broker clock's timestamp), for the request metrics.</summary>
    public long StartedTimestamp { get; init; }

    /// <summary>Cancelled when the connection closes or the broker stops.</summary>
    public CancellationToken Cancellation { get; } = cancellation;

    private List<IDisposable>? _resources;

    /// <summary>Keeps <paramref name="resource"/> (pooled record bytes in a reply) alive until the reply is written.</summary>
    public T Track<T>(T resource)
        where T : IDisposable
    {
        lock (this)
            (_resources ??= []).Add(resource);
        return resource;
    }

    /// <summary>Called by the connection once the reply is written or dropped.</summary>
    public void ReleaseResources()
    {
        List<IDisposable>? resources;
        lock (this)
        {
            resources = _resources;
            _resources = null;
        }
        foreach (var resource in resources ?? [])
            resource.Dispose();
    }
}

/// <summary>The client end of a connection, the listener it came in on, and a way to close it.</summary>
internal sealed record ConnectionInfo(long Id, EndPoint? Remote, string ListenerName)
{
    /// <summary>Closes the connection (logged with the reason); Kafka does this, e.g., after a failed acks=0 produce.</summary>
    public Action<string> Close { get; init; } = _ => { };

    /// <summary>
    /// Who is talking, as Kafka's DefaultKafkaPrincipalBuilder names it ("User:ANONYMOUS", "User:" and the SASL user
    /// or the client certificate's distinguished name). Set by the connection before any request is served.
    /// </summary>
    public string Principal { get; set; } = "User:ANONYMOUS";

    /// <summary>Until when the connection reads no further request (a quota throttle, KIP-219); null when not muted.</summary>
    public DateTimeOffset? MutedUntil { get; set; }

    public string ClientHost => Remote is IPEndPoint ip ? ip.Address.ToString() : Remote?.ToString() ?? "unknown";
}
