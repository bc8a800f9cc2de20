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

    /// <summary>Cancelled when the connection closes or the broker stops.</summary>
    public CancellationToken Cancellation { get; } = cancellation;
}

/// <summary>The client end of a connection and the listener it came in on.</summary>
internal sealed record ConnectionInfo(long Id, EndPoint? Remote, string ListenerName)
{
    public string ClientHost => Remote is IPEndPoint ip ? ip.Address.ToString() : Remote?.ToString() ?? "unknown";
}
