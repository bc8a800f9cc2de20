using Runnel.Metadata.Image;

namespace Runnel.Metadata.Controller;

/// <summary>
/// The active controller's view of broker sessions (Kafka's BrokerHeartbeatManager): when each registered broker
/// last heartbeated, and the metadata offset it must reach to be unfenced. Kept in memory only: a controller that
/// becomes active gives every registered broker a full session from that moment, since it cannot know when the last
/// heartbeat reached its predecessor. Beyond Kafka: when the connection a broker heartbeats on closes (its process
/// died, so the kernel closed its sockets), its session ends after <paramref name="connectionLossGraceMs"/> unless it
/// heartbeats again meanwhile, so a crash is noticed in well under the session timeout; a silent network cut still
/// waits out the session. Thread-safe; times are milliseconds of one monotonic clock.
/// </summary>
public sealed class BrokerHeartbeatManager(long sessionTimeoutMs, Func<int, bool>? exempt = null, long connectionLossGraceMs = 300)
{
    private readonly object _lock = new();
    private readonly Dictionary<int, Session> _sessions = [];
    private readonly Func<int, bool> _exempt = exempt ?? (_ => false);
    private int _activeEpoch = -1;
    private long _activatedAtOffset = -1;

    private sealed class Session(long lastContactMs, long registrationOffset)
    {
        public long LastContactMs { get; set; } = lastContactMs;

        public long RegistrationOffset { get; set; } = registrationOffset;

        /// <summary>The metadata offset its last heartbeat reported, -1 before one.</summary>
        public long MetadataOffset { get; set; } = -1;

        /// <summary>When its heartbeat connection closed without a newer heartbeat since; null while connected.</summary>
        public long? ConnectionLostMs { get; set; }
    }

    public long SessionTimeoutMs => sessionTimeoutMs;

    public long ConnectionLossGraceMs => connectionLossGraceMs;

    /// <summary>
    /// Starts over when <paramref name="epoch"/> is a new leadership of this controller: every registered broker gets a
    /// session from <paramref name="nowMs"/>, and must reach the image's offset (its registration is in it) to be
    /// unfenced. A broker whose node is known to be <paramref name="down"/> (the quorum found its address refusing
    /// connections: the process of a combined node, most often the previous controller's) starts as if its heartbeat
    /// connection had just closed, so it is fenced after the grace, not a full session. Returns the brokers so marked
    /// (their leaderships can move at once); does nothing (and returns none) within the same epoch.
    /// </summary>
    public IReadOnlyList<int> Activate(int epoch, MetadataImage image, long nowMs, Func<int, bool>? down = null)
    {
        lock (_lock)
        {
            if (epoch == _activeEpoch)
                return [];
            _activeEpoch = epoch;
            _activatedAtOffset = image.Offset;
            _sessions.Clear();
            var marked = new List<int>();
            foreach (var broker in image.Cluster.Brokers.Values)
            {
                var session = _sessions[broker.Id] = new Session(nowMs, image.Offset);
                if (!broker.Fenced && !_exempt(broker.Id) && down?.Invoke(broker.Id) == true)
                {
                    session.ConnectionLostMs = nowMs;
                    marked.Add(broker.Id);
                }
            }
            return marked;
        }
    }

    /// <summary>A new registration was committed; the broker is caught up once its metadata reaches <paramref name="offset"/>.</summary>
    public void Registered(int brokerId, long offset, long nowMs)
    {
        lock (_lock)
            _sessions[brokerId] = new Session(nowMs, offset);
    }

    /// <summary>A heartbeat from a registered broker arrived at <paramref name="nowMs"/>, its metadata at <paramref name="metadataOffset"/>.</summary>
    public void Touch(int brokerId, long nowMs, long metadataOffset = -1)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(brokerId, out var session))
                _sessions[brokerId] = session = new Session(nowMs, _activatedAtOffset);
            session.LastContactMs = Math.Max(session.LastContactMs, nowMs);
            session.MetadataOffset = Math.Max(session.MetadataOffset, metadataOffset);
            session.ConnectionLostMs = null;
        }
    }

    /// <summary>The connection <paramref name="brokerId"/> heartbeated on closed at <paramref name="nowMs"/>.</summary>
    public void ConnectionLost(int brokerId, long nowMs)
    {
        lock (_lock)
        {
            if (_sessions.TryGetValue(brokerId, out var session) && session.LastContactMs <= nowMs)
                session.ConnectionLostMs = nowMs;
        }
    }

    /// <summary>Whether <paramref name="brokerId"/>'s heartbeat connection closed with no heartbeat since.</summary>
    public bool IsConnectionLost(int brokerId)
    {
        lock (_lock)
            return _sessions.TryGetValue(brokerId, out var session) && session.ConnectionLostMs is not null;
    }

    /// <summary>Whether every active broker other than <paramref name="brokerId"/> reported metadata at or past <paramref name="offset"/>.</summary>
    public bool OthersCaughtUp(MetadataImage image, int brokerId, long offset)
    {
        lock (_lock)
        {
            return image.Cluster.Brokers.Values.Where(b => b.IsActive && b.Id != brokerId && !_exempt(b.Id))
                .All(b => _sessions.TryGetValue(b.Id, out var session) && session.MetadataOffset >= offset);
        }
    }

    /// <summary>The offset the broker's metadata must reach before it may be unfenced.</summary>
    public long RegistrationOffset(int brokerId)
    {
        lock (_lock)
            return _sessions.TryGetValue(brokerId, out var session) ? session.RegistrationOffset : _activatedAtOffset;
    }

    /// <summary>
    /// True when the broker is unfenced and heartbeated within the session timeout (Kafka's hasValidSession), or is
    /// exempt (lives in this controller's process, so it is alive as long as the controller is): a registration from
    /// elsewhere under its id is then refused as a duplicate instead of replacing it.
    /// </summary>
    public bool HasValidSession(MetadataImage image, int brokerId, long nowMs)
    {
        if (image.Cluster.Brokers.GetValueOrDefault(brokerId) is not { Fenced: false })
            return false;
        if (_exempt(brokerId))
            return true;
        lock (_lock)
            return _sessions.TryGetValue(brokerId, out var session) && nowMs - session.LastContactMs <= sessionTimeoutMs
                && !(nowMs - session.ConnectionLostMs > connectionLossGraceMs);
    }

    /// <summary>
    /// The unfenced brokers (with their registration epochs) whose last heartbeat is older than the session timeout, or
    /// whose heartbeat connection closed longer than the grace ago while they still lead (one in controlled shutdown,
    /// which includes one whose leaderships moved because its address refused connections, waits out its session;
    /// its session is no longer valid for a new registration, though, so a restarted process registers at once). Exempt brokers (one that lives in this controller's own process) never expire.
    /// </summary>
    public IReadOnlyList<(int Id, long Epoch)> Expired(MetadataImage image, long nowMs)
    {
        var expired = new List<(int, long)>();
        lock (_lock)
        {
            foreach (var broker in image.Cluster.Unfenced)
            {
                if (_exempt(broker.Id))
                    continue;
                if (!_sessions.TryGetValue(broker.Id, out var session))
                    _sessions[broker.Id] = session = new Session(nowMs, _activatedAtOffset);
                // A broker already in controlled shutdown leads nothing: it stays listed until its session ends, as
                // Kafka lists a broker until then, so clients see its leaderships move before it leaves the listing.
                var graceOver = !broker.InControlledShutdown && nowMs - session.ConnectionLostMs > connectionLossGraceMs;
                if (nowMs - session.LastContactMs > sessionTimeoutMs || graceOver)
                    expired.Add((broker.Id, broker.Epoch));
            }
        }
        return expired;
    }
}
