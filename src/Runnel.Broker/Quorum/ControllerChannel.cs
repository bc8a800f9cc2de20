using Microsoft.Extensions.Logging;
using Runnel.Net;
using Runnel.Net.Security;
using Runnel.Protocol;
using Runnel.Protocol.Primitives;
using Runnel.Raft;

namespace Runnel.Broker.Quorum;

/// <summary>
/// A broker-only node's connection to the active controller (Kafka's NodeToControllerChannelManager): the quorum
/// leader this node follows, reached at its controller.quorum.voters address over a <see cref="KafkaConnection"/>.
/// One request at a time; a channel per purpose (heartbeats, forwarded admin requests) so a slow commit never delays
/// a heartbeat. A failed or unanswered request drops the connection and returns null, and the caller retries, by
/// then perhaps towards a new leader (a new leader means a new connection).
/// </summary>
internal sealed class ControllerChannel(int nodeId, string purpose, Func<int?> activeController, QuorumVoters voters, ConnectionSecurity security, ILogger logger,
    TimeProvider? time = null) : IAsyncDisposable
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly SemaphoreSlim _serial = new(1, 1);
    private readonly Lock _gate = new();
    private KafkaConnection? _connection;
    private int _connectedTo = -1;
    private bool _disposed;

    /// <summary>The controller the next request goes to, or null while no leader is known.</summary>
    public int? Target => activeController() is { } id && voters.Contains(id) ? id : null;

    /// <summary>
    /// Sends <paramref name="request"/> at <paramref name="version"/> to the active controller and decodes its answer;
    /// null when no controller is known, the connection fails, or nothing comes back within <paramref name="timeout"/>
    /// (connecting included).
    /// </summary>
    public async Task<TResponse?> TrySendAsync<TResponse>(ApiKey api, short version, IKafkaMessage request, TimeSpan timeout, CancellationToken cancellation)
        where TResponse : class, IKafkaMessage, new()
    {
        if (Target is not { } target)
            return null;
        await _serial.WaitAsync(cancellation).ConfigureAwait(false);
        var started = _time.GetTimestamp();
        try
        {
            if (await ConnectionToAsync(target, timeout, cancellation).ConfigureAwait(false) is not { } connection)
                return null;
            var left = timeout - _time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
                return null;
            return await connection.SendAsync<TResponse>(api, request, version, left, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KafkaConnectionException or InvalidDataException)
        {
            logger.LogDebug("{Api} to controller {Controller} failed ({Purpose}): {Message}", api, target, purpose, e.Message);
            await DropAsync().ConfigureAwait(false);
            return null;
        }
        finally
        {
            _serial.Release();
        }
    }

    /// <summary>The live connection to <paramref name="target"/>, opened when there is none (or it goes elsewhere); null once disposed.</summary>
    private async Task<KafkaConnection?> ConnectionToAsync(int target, TimeSpan timeout, CancellationToken cancellation)
    {
        lock (_gate)
        {
            if (_disposed)
                return null;
            if (_connection is { IsAlive: true } current && _connectedTo == target)
                return current;
        }
        await DropAsync().ConfigureAwait(false);
        var controller = voters[target];
        var options = new KafkaConnectionOptions
        {
            ClientId = $"runnel-broker-{nodeId}-{purpose}",
            ConnectTimeout = timeout,
            MaxResponseBytes = 64 * 1024 * 1024,
            // Callers name the version of each request: these APIs are fixed between the quorum's own processes.
            NegotiateApiVersions = false,
            Security = security,
            Time = _time,
        };
        var connection = await KafkaConnection.ConnectAsync(controller.Host, controller.Port, options, cancellation).ConfigureAwait(false);
        lock (_gate)
        {
            if (!_disposed)
            {
                _connection = connection;
                _connectedTo = target;
                return connection;
            }
        }
        await connection.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    private async Task DropAsync()
    {
        KafkaConnection? connection;
        lock (_gate)
        {
            connection = _connection;
            _connection = null;
            _connectedTo = -1;
        }
        if (connection is not null)
            await connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Closes the connection, failing a request in flight (its caller gets null). The semaphore is left to the
    /// collector: a request still unwinding may release it.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
            _disposed = true;
        await DropAsync().ConfigureAwait(false);
    }
}
