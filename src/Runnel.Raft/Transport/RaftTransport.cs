using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Net.Security;
using Runnel.Protocol;
using Runnel.Protocol.Primitives;
using Runnel.Raft.Messages;

namespace Runnel.Raft.Transport;

/// <summary>
/// The quorum over the Kafka wire. Requests the node sends go out on one connection per voter, as Kafka frames whose
/// correlation id is the core's own; their responses come back into the driver. Requests other nodes send arrive
/// through the broker's handlers (<see cref="HandleAsync"/>), enter the node under a correlation id of our own, and
/// the node's reply completes the handler. Connection timeouts are measured on <paramref name="time"/>; connections are
/// secured as <paramref name="security"/> says (the controller listener's protocol; plaintext when null).
/// </summary>
public sealed class RaftTransport(int self, QuorumVoters voters, ILogger? logger = null, TimeProvider? time = null, ConnectionSecurity? security = null) : IRaftNetwork, IAsyncDisposable
{
    private readonly ConcurrentDictionary<int, PeerConnection> _peers = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<RaftMessage>> _inbound = new();
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private RaftDriver? _driver;
    private int _nextInbound;

    /// <summary>Set once the driver exists (it needs the transport to build its node).</summary>
    public void Attach(RaftDriver driver) => _driver = driver;

    public void Send(RaftMessage message)
    {
        if (!message.IsRequest)
        {
            if (_inbound.TryRemove(message.CorrelationId, out var waiting))
                waiting.TrySetResult(message);
            return;
        }
        if (!voters.Contains(message.Destination) || _driver is not { } driver)
            return;
        _peers.GetOrAdd(message.Destination, id => new PeerConnection(self, voters[id], driver.Deliver, driver.Failed, _logger, _time, security)).Enqueue(message);
    }

    /// <summary>
    /// True when this node's last attempt to connect to voter <paramref name="id"/> was refused: its host answers and
    /// nothing listens at its quorum address, so its process is not running (or not yet).
    /// </summary>
    public bool IsRefusing(int id) => _peers.TryGetValue(id, out var peer) && peer.Refusing;

    /// <summary>
    /// Hands a request that arrived from <paramref name="source"/> to the node and waits for its reply; null when the
    /// node did not answer in time (the peer then times out and retries, as after a lost packet).
    /// </summary>
    public async Task<IKafkaMessage?> HandleAsync(int source, ApiKey api, IKafkaMessage body, TimeSpan timeout, CancellationToken cancellation)
    {
        if (_driver is not { } driver)
            return null;
        var id = Interlocked.Increment(ref _nextInbound);
        var reply = new TaskCompletionSource<RaftMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _inbound[id] = reply;
        driver.Deliver(new RaftMessage(source, self, id, api, IsRequest: true, body));
        try
        {
            return (await reply.Task.WaitAsync(timeout, cancellation).ConfigureAwait(false)).Body;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            _inbound.TryRemove(id, out _);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var peer in _peers.Values)
            await peer.DisposeAsync().ConfigureAwait(false);
        foreach (var waiting in _inbound.Values)
            waiting.TrySetCanceled();
    }
}
