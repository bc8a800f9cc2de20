using Runnel.Protocol;

namespace Runnel.Broker.FetchSessions;

/// <summary>
/// The broker's incremental fetch sessions (KIP-227, Kafka's FetchManager and FetchSessionCache): eight shards, each
/// with an eighth of max.incremental.fetch.session.cache.slots and its own id range; new sessions go to the shards in
/// turn. <see cref="NewContext"/> decides, as Kafka does, what a fetch request's SessionId and SessionEpoch mean.
/// </summary>
internal sealed class FetchSessionCache
{
    /// <summary>Kafka's NumFetchSessionCacheShards.</summary>
    public const int ShardCount = 8;

    /// <summary>Kafka's MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS: how long a session is safe from eviction by size, and idle before it is stale.</summary>
    public const long EvictionMs = 120_000;

    private readonly FetchSessionCacheShard[] _shards;
    private readonly TimeProvider _time;
    private int _next;

    public FetchSessionCache(int slots, TimeProvider time)
    {
        _time = time;
        const int range = int.MaxValue / ShardCount;
        _shards = [.. Enumerable.Range(0, ShardCount).Select(n => new FetchSessionCacheShard(slots / ShardCount, EvictionMs, range, n))];
    }

    /// <summary>Sessions cached now (Kafka's NumIncrementalFetchSessions).</summary>
    public int Count => _shards.Sum(s => s.Count);

    /// <summary>Sessions evicted to make room for new ones.</summary>
    public long Evictions => _shards.Sum(s => s.Evictions);

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// What a fetch reads and how it is answered. Epoch -1 or 0 is a full fetch, which first closes the session it
    /// names: -1 then reads sessionlessly (SessionId 0 in the answer), 0 opens a new session once answered. Any
    /// other epoch is incremental: an unknown session is FETCH_SESSION_ID_NOT_FOUND, a wrong epoch
    /// INVALID_FETCH_SESSION_EPOCH, a session made with topic ids asked without them (or the reverse)
    /// FETCH_SESSION_TOPIC_ID_ERROR; otherwise the listed partitions update the session, the forgotten ones leave it,
    /// and the fetch reads all of the session's partitions (an emptied session is closed and the fetch is sessionless).
    /// </summary>
    public FetchContext NewContext(short version, int sessionId, int epoch, bool follower, List<FetchTarget> listed, List<FetchKey> forgotten)
    {
        var usesTopicIds = version >= 13;
        if (epoch is -1 or 0)
        {
            if (sessionId != 0)
                ShardOf(sessionId)?.Remove(sessionId);
            return epoch == -1
                ? FetchContext.Sessionless(listed)
                : FetchContext.Full(listed, () => CreateSession(follower, usesTopicIds, listed));
        }
        if (ShardOf(sessionId) is not { } shard)
            return FetchContext.Failed(ErrorCode.FetchSessionIdNotFound);
        lock (shard.Gate)
        {
            if (shard.Get(sessionId) is not { } session)
                return FetchContext.Failed(ErrorCode.FetchSessionIdNotFound);
            if (session.Epoch != epoch)
                return FetchContext.Failed(ErrorCode.InvalidFetchSessionEpoch);
            if (session.UsesTopicIds != usesTopicIds)
                return FetchContext.Failed(ErrorCode.FetchSessionTopicIdError);
            session.Update(listed, forgotten);
            if (session.Size == 0)
            {
                shard.Remove(session);
                return FetchContext.Sessionless(listed);
            }
            shard.Touch(session, NowMs);
            session.Epoch = epoch == int.MaxValue ? 1 : epoch + 1;
            return FetchContext.Incremental(shard, session, session.Epoch, session.Partitions());
        }
    }

    private int CreateSession(bool follower, bool usesTopicIds, List<FetchTarget> answered)
    {
        var shard = _shards[(int)((uint)Interlocked.Increment(ref _next) % ShardCount)];
        return shard.TryCreate(NowMs, follower, answered.Count, usesTopicIds, session =>
        {
            foreach (var target in answered)
                session.Add(target);
        });
    }

    private FetchSessionCacheShard? ShardOf(int sessionId) => sessionId > 0 ? _shards.FirstOrDefault(s => s.Owns(sessionId)) : null;
}
