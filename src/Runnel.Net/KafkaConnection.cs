using System.Net.Sockets;
using System.Threading.Channels;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;

namespace Runnel.Net;

/// <summary>
/// One outbound TCP connection speaking Kafka's protocol, for every use: the client, quorum peers, the controller
/// channel and replica fetchers (as Kafka's NetworkClient serves all of its own). A send frames its request with
/// <see cref="Framing.WriteRequest"/> and queues both the frame and its reply slot under one lock before it returns
/// its task, so requests go out in call order and a single read loop matches each reply to the head of the queue
/// (Kafka answers in request order). Each request has a deadline. Any I/O failure, missed deadline, bad frame size,
/// unreadable header or out-of-step reply kills the whole connection and fails everything waiting on it with one
/// <see cref="KafkaConnectionException"/>; the owner then opens a new one. With
/// <see cref="KafkaConnectionOptions.Security"/> the connection first completes a TLS handshake and, after ApiVersions,
/// a SASL exchange (KafkaConnection.Security.cs) before it is handed out.
/// </summary>
public sealed partial class KafkaConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private Stream _stream;
    private readonly KafkaConnectionOptions _options;
    private readonly Lock _lock = new();
    private readonly Queue<InFlightRequest> _inFlight = new();
    private readonly Channel<OutgoingFrame> _outbox = Channel.CreateUnbounded<OutgoingFrame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _closing = new();
    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;
    private ApiVersionTable? _versions;
    private KafkaConnectionException? _failure;
    private int _nextCorrelationId;

    private KafkaConnection(Socket socket, string name, KafkaConnectionOptions options)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _options = options;
        Name = name;
    }

    /// <summary>host:port, for messages.</summary>
    public string Name { get; }

    public bool IsAlive => Volatile.Read(ref _failure) is null;

    /// <summary>Why the connection died, once it has.</summary>
    public KafkaConnectionException? Failure => Volatile.Read(ref _failure);

    /// <summary>The versions negotiated with the peer; only when <see cref="KafkaConnectionOptions.NegotiateApiVersions"/> is set.</summary>
    public ApiVersionTable Versions => _versions ?? throw new InvalidOperationException($"No ApiVersions were negotiated with {Name}.");

    /// <summary>
    /// Connects within the connect timeout, secures the connection as <see cref="KafkaConnectionOptions.Security"/> asks and,
    /// when asked to, negotiates API versions. Fails with
    /// <see cref="KafkaConnectionException"/>; the caller's own cancellation stays an <see cref="OperationCanceledException"/>.
    /// </summary>
    public static async Task<KafkaConnection> ConnectAsync(string host, int port, KafkaConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var name = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (var timeout = new CancellationTokenSource(options.ConnectTimeout, options.Time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
        {
            try
            {
                await socket.ConnectAsync(host, port, linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when ((e is SocketException or OperationCanceledException) && !cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                var reason = e is SocketException ? e.Message : $"no answer within {options.ConnectTimeout.TotalSeconds:0.#} s";
                throw new KafkaConnectionException($"Could not connect to {name}: {reason}", e);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        var connection = new KafkaConnection(socket, name, options);
        try
        {
            if (options.Security?.Tls is { } tls)
                await connection.StartTlsAsync(host, tls, cancellationToken).ConfigureAwait(false);
            connection._readLoop = connection.ReadLoopAsync();
            connection._writeLoop = connection.WriteLoopAsync();
            if (options.NegotiateApiVersions)
                connection._versions = await connection.NegotiateAsync(cancellationToken).ConfigureAwait(false);
            if (options.Security?.Sasl is { } sasl)
                await connection.AuthenticateAsync(sasl, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return connection;
    }

    /// <summary>
    /// Sends a request at <paramref name="version"/> (else the negotiated one) and awaits its reply, for the request
    /// timeout or <paramref name="timeout"/> (a JoinGroup may be parked for a whole rebalance). The caller's
    /// cancellation abandons the wait, not the request: its reply is still read and dropped.
    /// </summary>
    public async Task<TResponse> SendAsync<TResponse>(ApiKey key, IKafkaMessage request, short? version = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
        where TResponse : class, IKafkaMessage, new()
        => (TResponse)await SendAsync(key, version ?? Versions.Negotiate(key), request, new TResponse(), timeout, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Sends a request at an explicit version and decodes its reply into <paramref name="response"/> (callers that
    /// pick the response type by API key at run time). A reply whose body does not decode fails with
    /// <see cref="InvalidDataException"/> and leaves the connection up.
    /// </summary>
    public Task<IKafkaMessage> SendAsync(ApiKey key, short version, IKafkaMessage request, IKafkaMessage response, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
        => Send(key, version, request, response, timeout, authentication: false, cancellationToken);

    /// <summary>
    /// <paramref name="authentication"/>: a request of the SASL exchange, which goes out even while a re-authentication
    /// holds back every other request.
    /// </summary>
    private Task<IKafkaMessage> Send(ApiKey key, short version, IKafkaMessage request, IKafkaMessage response, TimeSpan? timeout, bool authentication,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new InFlightRequest(key, version, Interlocked.Increment(ref _nextCorrelationId), response);
        var frame = new OutgoingFrame(Frame(pending.CorrelationId, key, version, request), tracksWrite: false);
        return Submit(frame, pending, timeout ?? _options.RequestTimeout, authentication) is { } failure
            ? Task.FromException<IKafkaMessage>(failure)
            : pending.Reply.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Sends a request the peer never answers (Produce with acks=0). Completes once the bytes are written, so a
    /// sender that awaits it cannot run ahead of the socket.
    /// </summary>
    public Task SendWithoutReplyAsync(ApiKey key, IKafkaMessage request, short? version = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var frame = new OutgoingFrame(Frame(Interlocked.Increment(ref _nextCorrelationId), key, version ?? Versions.Negotiate(key), request), tracksWrite: true);
        return Submit(frame, pending: null, Timeout.InfiniteTimeSpan, authentication: false) is { } failure ? Task.FromException(failure) : frame.Written.WaitAsync(cancellationToken);
    }

    /// <summary>Frames outside the lock: encoding a large produce request must not hold up other senders.</summary>
    private KafkaWriter Frame(int correlationId, ApiKey key, short version, IKafkaMessage request)
    {
        var writer = new KafkaWriter(512);
        try
        {
            var header = new RequestHeader { RequestApiKey = (short)key, RequestApiVersion = version, CorrelationId = correlationId, ClientId = _options.ClientId };
            Framing.WriteRequest(writer, header, request);
            return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Queues the reply slot and the frame in one step, so the reply queue and the wire have the same order, and
    /// starts the deadline before the bytes can leave. Returns why not when the connection is dead. While a
    /// re-authentication runs, requests other than its own wait in order and go out once it is done.
    /// </summary>
    private KafkaConnectionException? Submit(OutgoingFrame frame, InFlightRequest? pending, TimeSpan timeout, bool authentication)
    {
        lock (_lock)
        {
            if (_failure is { } failure)
            {
                frame.Dispose();
                return failure;
            }
            if (_held is not null && !authentication)
            {
                _held.Add((frame, pending, timeout));
                return null;
            }
            if (pending is not null)
            {
                pending.StartDeadline(_options.Time, timeout, TimedOut);
                _inFlight.Enqueue(pending);
            }
            _outbox.Writer.TryWrite(frame);
            return null;
        }
    }

    private void TimedOut(InFlightRequest request, TimeSpan timeout)
        => Fail(new KafkaConnectionException(
            $"{Name} did not answer {ApiCatalog.Get(request.Key).Name} within {timeout.TotalSeconds:0.###} s; closing the connection."));
}
