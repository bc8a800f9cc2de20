using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Metadata.Control;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Controller;

/// <summary>
/// The controller's side of broker lifecycles (Kafka's QuorumController.registerBroker, processBrokerHeartbeat and
/// its stale-broker fencing): decides with <see cref="ClusterControlManager"/>, commits through the
/// <see cref="QuorumController"/>, and keeps sessions in a <see cref="BrokerHeartbeatManager"/>. Only the active
/// controller answers; any other node says NOT_CONTROLLER at once, so the broker turns to the leader it learns.
/// </summary>
/// <param name="clusterId">Registrations naming another cluster are refused; null accepts any.</param>
/// <param name="nowMs">A monotonic clock in milliseconds.</param>
/// <param name="nodeDown">Whether the quorum found node <c>id</c>'s address refusing connections (its process is not
/// running); a newly active controller moves such a broker's leaderships at once and fences it after the grace instead
/// of a full session.</param>
/// <param name="refusesConnections">Probes whether a broker's registered address refuses connections now (nothing
/// listens: its process is gone); asked when its heartbeat connection closes, so its leaderships can move at once
/// instead of after the grace.</param>
public sealed class BrokerLifecycleController(QuorumController controller, BrokerHeartbeatManager sessions, string? clusterId, Func<long> nowMs,
    ILogger? logger = null, ReplicationPolicy? policy = null, TimeProvider? time = null, Func<int, bool>? nodeDown = null,
    Func<BrokerRegistration, CancellationToken, Task<bool>>? refusesConnections = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly ReplicationPolicy _policy = policy ?? ReplicationPolicy.Default;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, int> _heartbeatConnections = new();
    private CancellationToken _stopping;

    public BrokerHeartbeatManager Sessions => sessions;

    public async Task<BrokerRegistrationResponse> RegisterAsync(BrokerRegistrationRequest request, CancellationToken cancellation = default)
    {
        if (clusterId is not null && request.ClusterId != clusterId)
            return new BrokerRegistrationResponse { ErrorCode = (short)ErrorCode.InconsistentClusterId };
        if (!Activate(out var now))
            return new BrokerRegistrationResponse { ErrorCode = (short)ErrorCode.NotController };
        var endpoints = request.Listeners.Select(l => new BrokerEndpoint(l.Name, l.Host, l.Port, l.SecurityProtocol)).ToList();
        var (error, epoch) = await RunAsync(image => ClusterControlManager.RegisterRemote(image, request.BrokerId, request.IncarnationId, endpoints,
            request.Rack, sessions.HasValidSession(image, request.BrokerId, now)), (ErrorCode.NotController, -1L), cancellation).ConfigureAwait(false);
        if (error == ErrorCode.None)
        {
            // Committed and applied here, so the image offset is at or past the registration record.
            sessions.Registered(request.BrokerId, controller.Loader.Image.Offset, now);
            _logger.LogInformation("Broker {Broker} registered with epoch {Epoch} at {Endpoints}", request.BrokerId, epoch,
                string.Join(", ", endpoints.Select(e => $"{e.Name}://{e.Host}:{e.Port}")));
        }
        return new BrokerRegistrationResponse { ErrorCode = (short)error, BrokerEpoch = epoch };
    }

    public async Task<BrokerHeartbeatResponse> HeartbeatAsync(BrokerHeartbeatRequest request, CancellationToken cancellation = default)
    {
        if (!Activate(out var now))
            return new BrokerHeartbeatResponse { ErrorCode = (short)ErrorCode.NotController };
        var heartbeat = new BrokerHeartbeat(request.BrokerId, request.BrokerEpoch, request.CurrentMetadataOffset, request.WantFence, request.WantShutDown);
        var fencedBefore = controller.Loader.Image.Cluster.Brokers.GetValueOrDefault(request.BrokerId)?.Fenced;
        var reply = await RunAsync(image => ClusterControlManager.Heartbeat(image, heartbeat, sessions.RegistrationOffset(request.BrokerId), _policy,
            offset => sessions.OthersCaughtUp(image, request.BrokerId, offset)), new HeartbeatReply(ErrorCode.NotController, false, true, false), cancellation).ConfigureAwait(false);
        if (reply.Error == ErrorCode.None)
        {
            sessions.Touch(request.BrokerId, now, request.CurrentMetadataOffset);
            if (fencedBefore is { } was && was != reply.IsFenced)
                _logger.LogInformation("Broker {Broker} is {State} at its request", request.BrokerId, reply.IsFenced ? "fenced" : "unfenced");
        }
        return new BrokerHeartbeatResponse
        {
            ErrorCode = (short)reply.Error,
            IsCaughtUp = reply.IsCaughtUp,
            IsFenced = reply.IsFenced,
            ShouldShutDown = reply.ShouldShutDown,
        };
    }

    /// <summary>Fences every unfenced broker whose session expired; returns their ids. Does nothing unless active.</summary>
    public async Task<IReadOnlyList<int>> FenceExpiredAsync(CancellationToken cancellation = default)
    {
        if (!Activate(out var now))
            return [];
        var fenced = new List<int>();
        foreach (var (id, epoch) in sessions.Expired(controller.Loader.Image, now))
        {
            if (await RunAsync(image => ClusterControlManager.FenceExpired(image, id, epoch, _policy), false, cancellation).ConfigureAwait(false))
            {
                fenced.Add(id);
                _logger.LogWarning("Broker {Broker} fenced: its heartbeats stopped (no heartbeat for {Timeout} ms, or its connection closed {Grace} ms ago)", id,
                    sessions.SessionTimeoutMs, sessions.ConnectionLossGraceMs);
            }
        }
        return fenced;
    }

    /// <summary>
    /// The connection <paramref name="brokerId"/> heartbeated on closed. Unless it heartbeats again within the grace,
    /// the check scheduled here fences it; if its address already refuses connections, its leaderships move now
    /// (<see cref="ClusterControlManager.MoveAwayFromGone"/>).
    /// </summary>
    public void ConnectionLost(int brokerId)
    {
        _logger.LogInformation("Broker {Broker}'s heartbeat connection closed; it is fenced in {Grace} ms unless it heartbeats again", brokerId, sessions.ConnectionLossGraceMs);
        sessions.ConnectionLost(brokerId, nowMs());
        _ = CheckAfterGraceAsync(_stopping);
        if (refusesConnections is not null)
            _ = MoveAwayIfGoneAsync(brokerId, _stopping);
    }

    /// <summary>
    /// Notes that <paramref name="brokerId"/> heartbeats on connection <paramref name="connectionId"/>, whose closing
    /// <paramref name="closed"/> signals: the first heartbeat on a connection arranges for <see cref="ConnectionLost"/>.
    /// </summary>
    public void WatchConnection(int brokerId, long connectionId, CancellationToken closed)
    {
        if (!_heartbeatConnections.TryAdd(connectionId, brokerId))
            return;
        closed.Register(() =>
        {
            if (_heartbeatConnections.TryRemove(connectionId, out var broker) && !_stopping.IsCancellationRequested)
                ConnectionLost(broker);
        });
    }

    /// <summary>
    /// Moves <paramref name="brokerId"/>'s leaderships now if its address refuses connections (probed, or
    /// <paramref name="knownDown"/> by the quorum) and it has not heartbeated since its connection closed.
    /// </summary>
    public async Task<bool> MoveAwayIfGoneAsync(int brokerId, CancellationToken stopping, bool knownDown = false)
    {
        try
        {
            await Task.Yield();
            if (!Activate(out _) || controller.Loader.Image.Cluster.Brokers.GetValueOrDefault(brokerId) is not { Fenced: false, InControlledShutdown: false } broker
                || !sessions.IsConnectionLost(brokerId))
                return false;
            if (!knownDown && (refusesConnections is null || !await refusesConnections(broker, stopping).ConfigureAwait(false) || !sessions.IsConnectionLost(brokerId)))
                return false;
            if (!await RunAsync(image => ClusterControlManager.MoveAwayFromGone(image, broker.Id, broker.Epoch, _policy), false, stopping).ConfigureAwait(false))
                return false;
            _logger.LogWarning("Broker {Broker}'s address refuses connections: its leaderships moved now; it is fenced when the grace ends", brokerId);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Moving the leaderships of broker {Broker}, whose connection closed, failed", brokerId);
            return false;
        }
    }

    private async Task CheckAfterGraceAsync(CancellationToken stopping)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(sessions.ConnectionLossGraceMs + 1), _time, stopping).ConfigureAwait(false);
            await FenceExpiredAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Checking broker sessions after a lost connection failed");
        }
    }

    /// <summary>
    /// Checks for expired sessions a few times per session timeout until <paramref name="stopping"/> fires, and
    /// takes up each new leadership of this node as soon as its image is complete (see <see cref="Activate"/>).
    /// </summary>
    public async Task RunFencingAsync(CancellationToken stopping)
    {
        _stopping = stopping;
        var activations = WatchLeadershipAsync(stopping);
        var period = TimeSpan.FromMilliseconds(Math.Clamp(sessions.SessionTimeoutMs / 4, 10, 1000));
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
                await FenceExpiredAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await activations.ConfigureAwait(false);
    }

    /// <summary>Activates at each new leadership when it is published, not at the next request or periodic check.</summary>
    private async Task WatchLeadershipAsync(CancellationToken stopping)
    {
        var loader = controller.Loader;
        int? seen = null;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                if (!await loader.WaitUntilAsync(_ => loader.ActiveEpoch is { } epoch && epoch != seen, TimeSpan.FromMinutes(1), _time, stopping).ConfigureAwait(false))
                    continue;
                seen = loader.ActiveEpoch;
                Activate(out _);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// True when this node is the active controller; sessions start over on a new leadership. Brokers whose nodes are
    /// down then are fenced at once (off this thread).
    /// </summary>
    private bool Activate(out long now)
    {
        now = nowMs();
        if (controller.Loader.ActiveEpoch is not { } epoch)
            return false;
        var down = sessions.Activate(epoch, controller.Loader.Image, now, nodeDown);
        foreach (var broker in down)
        {
            _logger.LogInformation("Broker {Broker}'s node refuses connections; its leaderships move now and it is fenced in {Grace} ms", broker, sessions.ConnectionLossGraceMs);
            _ = MoveAwayIfGoneAsync(broker, _stopping, knownDown: true);
        }
        if (down.Count > 0)
            _ = CheckAfterGraceAsync(_stopping);
        return true;
    }

    /// <summary>Commits a decision; <paramref name="notController"/> when leadership is lost or the commit times out.</summary>
    private async Task<T> RunAsync<T>(Func<MetadataImage, ControllerResult<T>> decide, T notController, CancellationToken cancellation)
    {
        try
        {
            return await controller.ExecuteAsync(decide, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NotControllerException or TimeoutException)
        {
            return notController;
        }
    }
}
