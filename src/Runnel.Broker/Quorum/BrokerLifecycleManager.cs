using Microsoft.Extensions.Logging;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Quorum;

/// <summary>
/// A broker's standing with the controllers (Kafka's BrokerLifecycleManager), on every node with the broker role but a
/// lone voter: it registers once per start (a new incarnation id, so a new broker epoch), then heartbeats the active
/// controller with its metadata offset, asking to be unfenced; the controller unfences it once caught up and fences it
/// when heartbeats stop for broker.session.timeout.ms (or soon after its heartbeat connection closes). A clean
/// shutdown is controlled (controlled.shutdown.enable): heartbeats asking to shut down make the controller move every
/// leadership away first and say when the broker may go; then, or if that takes too long, one last heartbeat asks to
/// be fenced, so the controller need not wait out the session (and a restart may register at once).
/// </summary>
internal sealed class BrokerLifecycleManager : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryBackoff = TimeSpan.FromMilliseconds(100);

    private readonly MetadataQuorum _quorum;
    private readonly BrokerRegistrationRequest _registration;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly ControllerChannel _channel;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _unfenced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private long _epoch = -1;

    public BrokerLifecycleManager(MetadataQuorum quorum, int nodeId, string clusterId, IEnumerable<BrokerRegistrationRequest.Listener> listeners,
        TimeSpan heartbeatInterval, ILogger logger, string? rack = null)
    {
        _quorum = quorum;
        _interval = heartbeatInterval;
        _logger = logger;
        _channel = new ControllerChannel(nodeId, "heartbeat", () => quorum.Loader.LeaderId, quorum.Voters, quorum.ControllerSecurity, logger, quorum.Time);
        _registration = new BrokerRegistrationRequest { BrokerId = nodeId, ClusterId = clusterId, IncarnationId = Guid.NewGuid(), Listeners = [.. listeners], Rack = rack };
    }

    /// <summary>False until a controller said this broker is unfenced; true again after it fenced it.</summary>
    public bool IsFenced { get; private set; } = true;

    public void Start() => _loop = Task.Run(() => RunAsync(_stopping.Token));

    /// <summary>Completes once the controller unfenced this broker the first time.</summary>
    public Task WaitForUnfencedAsync(TimeSpan timeout, CancellationToken cancellation) => _unfenced.Task.WaitAsync(timeout, cancellation);

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var target = _channel.Target;
                var pause = _epoch < 0 ? await RegisterAsync(stopping).ConfigureAwait(false) : await HeartbeatAsync(stopping).ConfigureAwait(false);
                // The next request goes at once to a controller the quorum names instead (a leader change, or the
                // first one named), else after the pause.
                await _quorum.WaitForControllerChangeAsync(target, pause, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One registration attempt; the pause before the next step.</summary>
    private async Task<TimeSpan> RegisterAsync(CancellationToken stopping)
    {
        var response = await _channel.TrySendAsync<BrokerRegistrationResponse>(ApiKey.BrokerRegistration, 0, _registration, RequestTimeout, stopping).ConfigureAwait(false);
        switch ((ErrorCode?)response?.ErrorCode)
        {
            case null or ErrorCode.NotController:
                return RetryBackoff;
            case ErrorCode.None:
                _epoch = response!.BrokerEpoch;
                _logger.LogInformation("Registered with controller {Controller} as broker {Broker} with epoch {Epoch}", _channel.Target, _registration.BrokerId, _epoch);
                return TimeSpan.Zero;
            case var error:
                // DUPLICATE_BROKER_REGISTRATION: the previous process (killed) still has a live session; it expires
                // within broker.session.timeout.ms.
                _logger.LogWarning("Registration of broker {Broker} refused: {Error}; retrying", _registration.BrokerId, error);
                return TimeSpan.FromSeconds(1);
        }
    }

    /// <summary>One heartbeat; the pause before the next (short while fenced, so unfencing is prompt).</summary>
    private async Task<TimeSpan> HeartbeatAsync(CancellationToken stopping)
    {
        var request = new BrokerHeartbeatRequest { BrokerId = _registration.BrokerId, BrokerEpoch = _epoch, CurrentMetadataOffset = _quorum.Loader.Image.Offset };
        var response = await _channel.TrySendAsync<BrokerHeartbeatResponse>(ApiKey.BrokerHeartbeat, 0, request, RequestTimeout, stopping).ConfigureAwait(false);
        switch ((ErrorCode?)response?.ErrorCode)
        {
            case null or ErrorCode.NotController:
                return RetryBackoff;
            case ErrorCode.StaleBrokerEpoch:
                _logger.LogWarning("Controller no longer knows registration epoch {Epoch} of broker {Broker}; registering again", _epoch, _registration.BrokerId);
                _epoch = -1;
                return TimeSpan.Zero;
            case ErrorCode.None:
                if (IsFenced != response!.IsFenced)
                    _logger.LogInformation("Broker {Broker} is {State}", _registration.BrokerId, response.IsFenced ? "fenced" : "unfenced");
                IsFenced = response.IsFenced;
                if (!IsFenced)
                    _unfenced.TrySetResult();
                return IsFenced ? RetryBackoff : _interval;
            case var error:
                _logger.LogWarning("Heartbeat of broker {Broker} failed: {Error}", _registration.BrokerId, error);
                return RetryBackoff;
        }
    }

    /// <summary>
    /// Stops the regular heartbeats; with <paramref name="controlled"/>, heartbeats asking to shut down until the
    /// controller says this broker leads nothing and may go (or <paramref name="deadline"/> passes); then asks (once,
    /// briefly) to be fenced now, and closes the channel.
    /// </summary>
    public async Task ShutdownAsync(bool controlled = false, TimeSpan? deadline = null)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        try
        {
            if (_epoch >= 0 && !(controlled && !IsFenced && await ControlledShutdownAsync(deadline ?? TimeSpan.FromSeconds(30)).ConfigureAwait(false)))
                await FenceForShutdownAsync().ConfigureAwait(false);
        }
        finally
        {
            await _channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Kafka's PENDING_CONTROLLED_SHUTDOWN: true once the controller answered ShouldShutDown (it also fenced us).</summary>
    private async Task<bool> ControlledShutdownAsync(TimeSpan deadline)
    {
        var started = _quorum.Time.GetTimestamp();
        _logger.LogInformation("Broker {Broker} asks the controller to move its leaderships away before shutting down", _registration.BrokerId);
        while (_quorum.Time.GetElapsedTime(started) < deadline)
        {
            var request = new BrokerHeartbeatRequest
            {
                BrokerId = _registration.BrokerId,
                BrokerEpoch = _epoch,
                CurrentMetadataOffset = _quorum.Loader.Image.Offset,
                WantShutDown = true,
            };
            var response = await _channel.TrySendAsync<BrokerHeartbeatResponse>(ApiKey.BrokerHeartbeat, 0, request, RequestTimeout, CancellationToken.None).ConfigureAwait(false);
            if (response is { ErrorCode: 0, ShouldShutDown: true })
            {
                _logger.LogInformation("Broker {Broker} completed controlled shutdown in {Ms} ms", _registration.BrokerId, (long)_quorum.Time.GetElapsedTime(started).TotalMilliseconds);
                return true;
            }
            if (response is { ErrorCode: (short)ErrorCode.StaleBrokerEpoch })
                return false;
            // Its metadata must reach the moves before the controller lets it go: wait for the next image, briefly.
            var offset = _quorum.Loader.Image.Offset;
            await _quorum.Loader.WaitUntilAsync(image => image.Offset > offset, RetryBackoff, _quorum.Time).ConfigureAwait(false);
        }
        _logger.LogWarning("Broker {Broker}: controlled shutdown did not complete within {Seconds} s", _registration.BrokerId, deadline.TotalSeconds);
        return false;
    }

    private async Task FenceForShutdownAsync()
    {
        var request = new BrokerHeartbeatRequest
        {
            BrokerId = _registration.BrokerId,
            BrokerEpoch = _epoch,
            CurrentMetadataOffset = _quorum.Loader.Image.Offset,
            WantFence = true,
            WantShutDown = true,
        };
        var response = await _channel.TrySendAsync<BrokerHeartbeatResponse>(ApiKey.BrokerHeartbeat, 0, request, TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);
        _logger.LogInformation("Broker {Broker} {Outcome}", _registration.BrokerId,
            response is { ErrorCode: 0, IsFenced: true } ? "fenced itself for shutdown" : "could not tell the controller it shuts down");
    }

    /// <summary>After <see cref="ShutdownAsync"/>, which closed the channel.</summary>
    public void Dispose() => _stopping.Dispose();
}
