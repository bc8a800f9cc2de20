namespace Runnel.Broker.FetchSessions;

/// <summary>
/// One shard of the fetch session cache (Kafka's FetchSessionCacheShard): at most its share of
/// max.incremental.fetch.session.cache.slots sessions, with ids in its own range. A new session takes a free slot,
/// else the least recently used session if that has been idle longer than the eviction time, else the smallest
/// evictable session if that is worth less than the new one (a consumer's is worth less than a follower's, a smaller
/// one less than a larger one). A session becomes evictable by size once it is older than the eviction time; a
/// consumer's is evictable by a follower's at once.
/// </summary>
internal sealed class FetchSessionCacheShard(int maxEntries, long evictionMs, int idRange, int shardNumber)
{
    /// <summary>Eviction order by size: consumers' before followers', then smaller before larger, then by id.</summary>
    private static readonly Comparer<(bool Privileged, int Size, int Id)> ByWorth = Comparer<(bool Privileged, int Size, int Id)>.Default;

    private readonly Dictionary<int, FetchSession> _sessions = [];
    private readonly SortedSet<(long LastUsedMs, int Id)> _lastUsed = [];
    private readonly SortedSet<(bool Privileged, int Size, int Id)> _evictableByAll = new(ByWorth);
    private readonly SortedSet<(bool Privileged, int Size, int Id)> _evictableByPrivileged = new(ByWorth);

    /// <summary>The lock that guards this shard and every session in it.</summary>
    public object Gate => _sessions;

    public int Count
    {
        get
        {
            lock (Gate)
                return _sessions.Count;
        }
    }

    /// <summary>Sessions evicted to make room (Kafka's IncrementalFetchSessionEvictionsPerSec counts these).</summary>
    public long Evictions { get; private set; }

    /// <summary>Whether <paramref name="id"/> falls in this shard's range.</summary>
    public bool Owns(int id) => id >= Math.Max(1, shardNumber * idRange) && id < (long)(shardNumber + 1) * idRange;

    /// <summary>Caller holds <see cref="Gate"/>.</summary>
    public FetchSession? Get(int id) => _sessions.GetValueOrDefault(id);

    /// <summary>
    /// Files a new session built by <paramref name="create"/> if there is room or a session can be evicted for it;
    /// returns its id, or 0 (no session: the fetcher goes on with full fetches).
    /// </summary>
    public int TryCreate(long nowMs, bool privileged, int size, bool usesTopicIds, Action<FetchSession> fill)
    {
        lock (Gate)
        {
            if (_sessions.Count >= maxEntries && !TryEvict(privileged, size, nowMs))
                return 0;
            var session = new FetchSession(NewId(), privileged, usesTopicIds, nowMs);
            fill(session);
            _sessions.Add(session.Id, session);
            Touch(session, nowMs);
            return session.Id;
        }
    }

    /// <summary>Records a use: refiles the session by its last use and its current size. Caller holds <see cref="Gate"/>.</summary>
    public void Touch(FetchSession session, long nowMs)
    {
        _lastUsed.Remove((session.LastUsedMs, session.Id));
        session.LastUsedMs = nowMs;
        _lastUsed.Add((nowMs, session.Id));
        if (session.CachedSize != -1)
        {
            var old = (session.Privileged, session.CachedSize, session.Id);
            _evictableByAll.Remove(old);
            _evictableByPrivileged.Remove(old);
        }
        session.CachedSize = session.Size;
        var key = (session.Privileged, session.CachedSize, session.Id);
        var oldEnough = nowMs - session.CreationMs > evictionMs;
        if (!session.Privileged || oldEnough)
            _evictableByPrivileged.Add(key);
        if (oldEnough)
            _evictableByAll.Add(key);
    }

    public bool Remove(int id)
    {
        lock (Gate)
            return _sessions.TryGetValue(id, out var session) && Remove(session);
    }

    /// <summary>Caller holds <see cref="Gate"/>.</summary>
    public bool Remove(FetchSession session)
    {
        _lastUsed.Remove((session.LastUsedMs, session.Id));
        var key = (session.Privileged, session.CachedSize, session.Id);
        _evictableByAll.Remove(key);
        _evictableByPrivileged.Remove(key);
        return _sessions.Remove(session.Id);
    }

    private bool TryEvict(bool privileged, int size, long nowMs)
    {
        if (_lastUsed.Count == 0)
            return false;
        var (lastUsedMs, staleId) = _lastUsed.Min;
        if (nowMs - lastUsedMs > evictionMs)
            return Evict(_sessions[staleId]);
        var evictable = privileged ? _evictableByPrivileged : _evictableByAll;
        if (evictable.Count == 0)
            return false;
        var cheapest = evictable.Min;
        if (ByWorth.Compare((privileged, size, 0), cheapest) < 0)
            return false;
        return Evict(_sessions[cheapest.Id]);
    }

    private bool Evict(FetchSession session)
    {
        Remove(session);
        Evictions++;
        return true;
    }

    private int NewId()
    {
        int id;
        do
            id = Random.Shared.Next(Math.Max(1, shardNumber * idRange), (shardNumber + 1) * idRange);
        while (_sessions.ContainsKey(id));
        return id;
    }
}
