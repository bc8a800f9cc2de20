using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Runnel.Net;
using Runnel.Net.Security;
using Runnel.Protocol.Primitives;
using Runnel.Raft.Messages;

namespace Runnel.Raft.Transport;

/// <summary>
/// This node's requests to one voter, on a <see cref="KafkaConnection"/>. One sender takes the core's messages in
/// order and puts each on the current connection, opening one when there is none; each reply goes to the driver under
/// the core's own correlation id. A broken connection fails what was in flight, and a message that finds no
/// connection is dropped; either way the core is told (<c>failed</c>), so it retries at once instead of after its
/// request timeout, and learns when the voter's address refused the connection (nothing listens there: its process
/// is not running). The next message opens a new connection.
/// </summary>
internal sealed class PeerConnection : IAsyncDisposable
{
    /// <summary>
    /// A request unanswered this long means the connection is dead without having said so (a peer that vanished
    /// behind a partition, no RST): the connection's request timeout drops it, and the next message reconnects.
    /// Well above the longest wait a leader holds a fetch for.
    /// </summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    /// <summary>After a failed connect, so a voter that is down is not dialled once per queued message.</summary>
    private static readonly TimeSpan ReconnectBackoff = TimeSpan.FromMilliseconds(100);

    private readonly int _self;
    private readonly VoterEndpoint _peer;
    private readonly Action<RaftMessage> _deliver;
    private readonly Action<RaftMessage, bool> _failed;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly KafkaConnectionOptions _options;
    private readonly Channel<RaftMessage> _queue = Channel.CreateUnbounded<RaftMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sender;

    private volatile bool _refusing;

    /// <param name="failed">Told of each request lost without a reply, and whether the voter refused the connection.</param>
    public PeerConnection(int self, VoterEndpoint peer, Action<RaftMessage> deliver, Action<RaftMessage, bool> failed, ILogger logger, TimeProvider time,
        ConnectionSecurity? security = null)
    {
        _self = self;
        _peer = peer;
        _deliver = deliver;
        _failed = failed;
        _logger = logger;
        _time = time;
        _options = new KafkaConnectionOptions
        {
            ClientId = $"runnel-raft-{self}",
            ConnectTimeout = ConnectTimeout,
            RequestTimeout = StaleAfter,
            MaxResponseBytes = 64 * 1024 * 1024,
            // Every quorum member speaks RaftWire's versions; there is nothing to negotiate.
            NegotiateApiVersions = false,
            Security = security,
            Time = time,
        };
        _sender = Task.Run(SendLoopAsync);
    }

    public void Enqueue(RaftMessage message) => _queue.Writer.TryWrite(message);

    /// <summary>True when the last attempt to connect was refused (and none has succeeded since).</summary>
    public bool Refusing => _refusing;

    private async Task SendLoopAsync()
    {
        var token = _stopping.Token;
        KafkaConnection? connection = null;
        try
        {
            await foreach (var message in _queue.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                if (connection is { Failure: { } failure })
                {
                    _logger.LogDebug("Quorum connection to {Peer} failed: {Message}", _peer, failure.Message);
                    await connection.DisposeAsync().ConfigureAwait(false);
                    connection = null;
                }
                connection ??= await TryConnectAsync(token).ConfigureAwait(false);
                if (connection is not null)
                {
                    Send(connection, message);
                    continue;
                }
                _failed(message, _refusing);
                // So a voter that is down is not dialled once per queued message.
                await Task.Delay(ReconnectBackoff, _time, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null)
                await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Null when the voter cannot be reached; the message that asked is dropped like a lost packet.</summary>
    private async Task<KafkaConnection?> TryConnectAsync(CancellationToken token)
    {
        try
        {
            var connection = await KafkaConnection.ConnectAsync(_peer.Host, _peer.Port, _options, token).ConfigureAwait(false);
            _refusing = false;
            return connection;
        }
        catch (KafkaConnectionException e)
        {
            _logger.LogDebug("Quorum connection to {Peer} failed: {Message}", _peer, e.Message);
            _refusing = e.Refused;
            return null;
        }
    }

    /// <summary>
    /// Puts the request in line on the connection now, so the core's order is the wire order, and delivers its reply
    /// whenever it comes. A request the connection cannot take (it died since the check) is lost like a packet.
    /// </summary>
    private void Send(KafkaConnection connection, RaftMessage message)
        => _ = DeliverAsync(message, connection.SendAsync(message.Api, RaftWire.Version(message.Api), message.Body, RaftWire.Create(message.Api, request: false)));

    private async Task DeliverAsync(RaftMessage request, Task<IKafkaMessage> reply)
    {
        try
        {
            var body = await reply.ConfigureAwait(false);
            _deliver(new RaftMessage(_peer.Id, _self, request.CorrelationId, request.Api, IsRequest: false, body));
        }
        catch (KafkaConnectionException)
        {
            // Lost with its connection; the sender logs the failure once when it replaces the connection.
            _failed(request, false);
        }
        catch (InvalidDataException e)
        {
            _logger.LogDebug("Unreadable {Api} response from {Peer}: {Message}", request.Api, _peer, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        await _sender.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
