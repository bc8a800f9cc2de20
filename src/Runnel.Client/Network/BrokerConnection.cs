using Runnel.Net;
using Runnel.Protocol;
using Runnel.Protocol.Primitives;

namespace Runnel.Client.Network;

/// <summary>
/// The client's connection to one broker: a <see cref="KafkaConnection"/> that negotiated API versions within the
/// client's ranges, with its failures turned into the client's public exceptions (a dead connection is a
/// <see cref="BrokerConnectionException"/>, an undecodable reply a <see cref="RunnelException"/>).
/// </summary>
internal sealed class BrokerConnection : IAsyncDisposable
{
    private readonly KafkaConnection _connection;

    private BrokerConnection(KafkaConnection connection, int nodeId)
    {
        _connection = connection;
        NodeId = nodeId;
        Versions = new ApiVersionTable(connection.Versions);
    }

    /// <summary>host:port, for messages.</summary>
    public string Name => _connection.Name;

    /// <summary>The broker's node id, or -1 for a bootstrap connection whose node is not known yet.</summary>
    public int NodeId { get; }

    public bool IsAlive => _connection.IsAlive;

    public ApiVersionTable Versions { get; }

    /// <summary>Connects and negotiates API versions; throws <see cref="RunnelException"/> when either fails.</summary>
    public static async Task<BrokerConnection> ConnectAsync(string host, int port, int nodeId, ClientOptions options, CancellationToken cancellationToken,
        TimeProvider? time = null)
    {
        var settings = new KafkaConnectionOptions
        {
            ClientId = options.ClientId,
            ConnectTimeout = options.ConnectTimeout,
            RequestTimeout = options.RequestTimeout,
            MaxResponseBytes = options.MaxResponseBytes,
            Security = options.Security,
            Time = time ?? TimeProvider.System,
            SupportedVersions = ClientApis.Range,
            SoftwareVersion = typeof(BrokerConnection).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
        };
        try
        {
            return new BrokerConnection(await KafkaConnection.ConnectAsync(host, port, settings, cancellationToken).ConfigureAwait(false), nodeId);
        }
        catch (KafkaConnectionException e)
        {
            throw Translate(e);
        }
    }

    /// <summary>
    /// Sends a request at the negotiated version (or <paramref name="version"/>) and awaits its reply, for the
    /// request timeout or <paramref name="timeout"/> (JoinGroup may be parked for a whole rebalance).
    /// </summary>
    public async Task<TResponse> SendAsync<TResponse>(ApiKey key, IKafkaMessage request, CancellationToken cancellationToken, short? version = null,
        TimeSpan? timeout = null)
        where TResponse : class, IKafkaMessage, new()
    {
        var chosen = version ?? Versions.Negotiate(key);
        try
        {
            return await _connection.SendAsync<TResponse>(key, request, chosen, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaConnectionException e)
        {
            throw Translate(e);
        }
        catch (InvalidDataException e)
        {
            throw new RunnelException(e.Message, e);
        }
    }

    /// <summary>Sends a request the broker never answers (Produce with acks=0); completes once it is written.</summary>
    public async Task SendWithoutReplyAsync(ApiKey key, IKafkaMessage request, CancellationToken cancellationToken)
    {
        var version = Versions.Negotiate(key);
        try
        {
            await _connection.SendWithoutReplyAsync(key, request, version, cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaConnectionException e)
        {
            throw Translate(e);
        }
    }

    /// <summary>A refused ApiVersions carries the broker's error; every other failure is the connection's.</summary>
    private static RunnelException Translate(KafkaConnectionException e) => e.ErrorCode == ErrorCode.None
        ? new BrokerConnectionException(e.Message, e)
        : new RunnelException(e.ErrorCode, e.Message, e);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
