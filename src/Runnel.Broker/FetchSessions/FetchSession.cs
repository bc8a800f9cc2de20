namespace Runnel.Broker.FetchSessions;

/// <summary>
/// An incremental fetch session (KIP-227): the partitions one fetcher reads, in the order they are read (a
/// partition that returned records moves to the back, so a response's byte limit does not always favour the same
/// ones), and the epoch the next request must carry. Guarded by its <see cref="FetchSessionCacheShard"/>'s lock.
/// </summary>
internal sealed class FetchSession(int id, bool privileged, bool usesTopicIds, long nowMs)
{
    private readonly LinkedList<FetchTarget> _order = new();
    private readonly Dictionary<FetchKey, LinkedListNode<FetchTarget>> _byKey = [];

    public int Id { get; } = id;

    /// <summary>A follower's session, which only another follower's may evict while it is young.</summary>
    public bool Privileged { get; } = privileged;

    /// <summary>Created by Fetch v13+, whose requests name topics by id; the session only serves such requests.</summary>
    public bool UsesTopicIds { get; } = usesTopicIds;

    public long CreationMs { get; } = nowMs;

    public long LastUsedMs { get; set; } = nowMs;

    /// <summary>The epoch the next incremental request must carry: 1 after creation, then one more per request.</summary>
    public int Epoch { get; set; } = 1;

    /// <summary>The size the cache filed this session under in its eviction order; -1 until it is filed.</summary>
    public int CachedSize { get; set; } = -1;

    public int Size => _byKey.Count;

    public void Add(FetchTarget target) => _byKey[target.Key] = _order.AddLast(target);

    /// <summary>
    /// Applies an incremental request: listed partitions are added or take the request's new fields, forgotten
    /// ones leave the session.
    /// </summary>
    public void Update(IEnumerable<FetchTarget> listed, IEnumerable<FetchKey> forgotten)
    {
        foreach (var target in listed)
        {
            if (_byKey.TryGetValue(target.Key, out var node))
                node.Value.Request = target.Request;
            else
                Add(target);
        }
        foreach (var key in forgotten)
        {
            if (_byKey.Remove(key, out var node))
                _order.Remove(node);
        }
    }

    /// <summary>The partitions to read, in session order.</summary>
    public List<FetchTarget> Partitions() => [.. _order];

    /// <summary>Moves a partition that returned records behind the others.</summary>
    public void MoveToBack(FetchTarget target)
    {
        if (!_byKey.TryGetValue(target.Key, out var node))
            return;
        _order.Remove(node);
        _order.AddLast(node);
    }
}
