using System.Buffers.Binary;
using System.Net.Sockets;
using System.Reflection;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Client.Network;

/// <summary>
/// One TCP connection to one broker. Requests are pipelined: each is framed with <see cref="Framing.WriteRequest"/>
/// under a send lock that also queues it, so the queue order is the wire order, and a single read loop matches each
/// reply to the head of the queue (Kafka answers in request order). The first request is ApiVersions; the table it
/// yields picks the version of every later request. Any I/O failure, timeout or out-of-step reply kills the whole
/// connection and fails everything waiting on it; the owner then opens a new one.
/// </summary>
internal sealed partial class BrokerConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly ClientOptions _options;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly KafkaWriter _writer = new();
    private readonly Queue<PendingRequest> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private Task _readLoop = Task.CompletedTask;
    private ApiVersionTable? _versions;
    private Exception? _failure;
    private int _nextCorrelationId;

    private BrokerConnection(Socket socket, string name, int nodeId, ClientOptions options)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _options = options;
        Name = name;
        NodeId = nodeId;
    }

    /// <summary>host:port, for messages.</summary>
    public string Name { get; }

    /// <summary>The broker's node id, or -1 for a bootstrap connection whose node is not known yet.</summary>
    public int NodeId { get; }

    public bool IsAlive => Volatile.Read(ref _failure) is null;

    public ApiVersionTable Versions => _versions ?? throw new InvalidOperationException("ApiVersions has not completed.");

    /// <summary>Connects and negotiates API versions; throws <see cref="RunnelException"/> when either fails.</summary>
    public static async Task<BrokerConnection> ConnectAsync(string host, int port, int nodeId, ClientOptions options, CancellationToken cancellationToken)
    {
        var name = Endpoints.Format(host, port);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when ((e is SocketException or OperationCanceledException) && !cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                var reason = e is SocketException ? e.Message : $"no answer within {options.ConnectTimeout.TotalSeconds:0.#} s";
                throw new BrokerConnectionException($"Could not connect to {name}: {reason}", e);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        var connection = new BrokerConnection(socket, name, nodeId, options);
        connection._readLoop = connection.ReadLoopAsync();
        try
        {
            await connection.NegotiateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return connection;
    }

    /// <summary>
    /// Sends a request at the negotiated version (or <paramref name="version"/>) and awaits its reply, for the
    /// request timeout or <paramref name="timeout"/> (JoinGroup may be parked for a whole rebalance).
    /// </summary>
    public async Task<TResponse> SendAsync<TResponse>(ApiKey key, IKafkaMessage request, CancellationToken cancellationToken, short? version = null,
        TimeSpan? timeout = null)
        where TResponse : class, IKafkaMessage, new()
    {
        var pending = await WriteAsync(key, version ?? Versions.Negotiate(key), request, new TResponse(), cancellationToken).ConfigureAwait(false);
        var limit = timeout ?? _options.RequestTimeout;
        try
        {
            return (TResponse)await pending!.Completion.Task.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var failure = new BrokerConnectionException(
                $"{Name} did not answer {ApiCatalog.Get(key).Name} within {limit.TotalSeconds:0.#} s; closing the connection.");
            Fail(failure);
            throw failure;
        }
    }

    /// <summary>Sends a request the broker never answers (Produce with acks=0).</summary>
    public Task SendWithoutReplyAsync(ApiKey key, IKafkaMessage request, CancellationToken cancellationToken)
        => WriteAsync(key, Versions.Negotiate(key), request, response: null, cancellationToken);

    private async Task<PendingRequest?> WriteAsync(ApiKey key, short version, IKafkaMessage request, IKafkaMessage? response, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfFailed();
            var correlationId = ++_nextCorrelationId;
            var header = new RequestHeader
            {
                RequestApiKey = (short)key,
                RequestApiVersion = version,
                CorrelationId = correlationId,
                ClientId = _options.ClientId,
            };
            _writer.Reset();
            Framing.WriteRequest(_writer, header, request);
            PendingRequest? pending = null;
            if (response is not null)
            {
                pending = new PendingRequest(key, version, correlationId, response);
                lock (_pending)
                    _pending.Enqueue(pending);
            }
            // Only closing cancels a write: a frame cut short by a caller's token would desynchronise the stream.
            await _stream.WriteAsync(_writer.WrittenMemory, _closing.Token).ConfigureAwait(false);
            if (_failure is { } failure)
                pending?.Completion.TrySetException(failure);
            return pending;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException || (e is OperationCanceledException && _closing.IsCancellationRequested))
        {
            Fail(new BrokerConnectionException($"Connection to {Name} failed while sending: {e.Message}", e));
            ThrowIfFailed();
            throw;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task NegotiateAsync(CancellationToken cancellationToken)
    {
        var version = ApiCatalog.Get(ApiKey.ApiVersions).HighestVersion;
        var request = new ApiVersionsRequest
        {
            ClientSoftwareName = "runnel-dotnet",
            ClientSoftwareVersion = SoftwareVersion,
        };
        for (var attempt = 0; ; attempt++)
        {
            var response = await SendAsync<ApiVersionsResponse>(ApiKey.ApiVersions, request, cancellationToken, version).ConfigureAwait(false);
            if (response.ErrorCode == (short)ErrorCode.UnsupportedVersion && attempt == 0)
            {
                // KIP-511: the error reply lists the highest ApiVersions version the broker speaks.
                var entry = response.ApiKeys.Find(k => k.ApiKey == (short)ApiKey.ApiVersions);
                version = entry is null ? (short)0 : Math.Min(entry.MaxVersion, (short)(version - 1));
                continue;
            }
            RunnelException.ThrowIfError(response.ErrorCode, $"ApiVersions with {Name}");
            _versions = new ApiVersionTable(response, Name);
            return;
        }
    }

    /// <summary>Our version in ApiVersions v3+; the broker checks it against [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?.</summary>
    private static string SoftwareVersion { get; } =
        typeof(BrokerConnection).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
            throw failure as BrokerConnectionException ?? new BrokerConnectionException($"Connection to {Name} is closed.", failure);
    }
}
