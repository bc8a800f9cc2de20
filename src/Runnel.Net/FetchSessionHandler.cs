using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Net;

/// <summary>
/// The fetcher's side of a KIP-227 fetch session with one broker (Kafka's FetchSessionHandler), for Fetch v13+
/// (topics by id). Without a session each request is full with epoch 0, asking the broker to open one; once a full
/// answer brings a session id, requests are incremental: they list only the partitions that joined or whose fetch
/// fields changed, and forget those no longer wanted. A session error, or a failed connection
/// (<see cref="Reset"/>), makes the next request full again: epoch 0 naming the old session so the broker closes
/// it, or from scratch when the broker did not know the session. Not thread-safe: one request at a time.
/// </summary>
public sealed class FetchSessionHandler
{
    private readonly Dictionary<(Guid TopicId, int Partition), FetchRequest.FetchPartition> _session = [];
    private int _sessionId;
    private int _epoch;
    private bool _lastWasFull;

    /// <summary>Whether the next request is incremental.</summary>
    public bool IsIncremental => _sessionId != 0 && _epoch > 0;

    /// <summary>
    /// Fills <paramref name="request"/>'s SessionId, SessionEpoch, Topics and ForgottenTopicsData for the
    /// partitions wanted now (each with the request fields it would have in a full fetch).
    /// </summary>
    public void Build(FetchRequest request, IEnumerable<(Guid TopicId, FetchRequest.FetchPartition Data)> wanted)
    {
        var next = new Dictionary<(Guid, int), FetchRequest.FetchPartition>();
        foreach (var (topicId, data) in wanted)
            next[(topicId, data.Partition)] = data;
        request.SessionId = _sessionId;
        request.SessionEpoch = IsIncremental ? _epoch : 0;
        _lastWasFull = !IsIncremental;
        IEnumerable<KeyValuePair<(Guid TopicId, int Partition), FetchRequest.FetchPartition>> listed = next;
        request.ForgottenTopicsData = [];
        if (IsIncremental)
        {
            listed = [.. next.Where(p => !_session.TryGetValue(p.Key, out var had) || !SameFetch(had, p.Value))];
            request.ForgottenTopicsData = [.. _session.Keys.Where(k => !next.ContainsKey(k)).GroupBy(k => k.TopicId)
                .Select(t => new FetchRequest.ForgottenTopic { TopicId = t.Key, Partitions = [.. t.Select(k => k.Partition)] })];
        }
        request.Topics = [.. listed.GroupBy(p => p.Key.TopicId).Select(t => new FetchRequest.FetchTopic { TopicId = t.Key, Partitions = [.. t.Select(p => p.Value)] })];
        _session.Clear();
        foreach (var (key, data) in next)
            _session[key] = data;
    }

    /// <summary>
    /// Takes the answer to the last built request; false when it is a session error (nothing in it applies, and
    /// the next request is full). Partitions an incremental answer leaves out have nothing new.
    /// </summary>
    public bool HandleResponse(FetchResponse response)
    {
        switch ((ErrorCode)response.ErrorCode)
        {
            case ErrorCode.None:
                if (_lastWasFull)
                {
                    _sessionId = response.SessionId;
                    _epoch = response.SessionId == 0 ? 0 : 1;
                }
                else
                {
                    _epoch = _epoch == int.MaxValue ? 1 : _epoch + 1;
                }
                return true;
            case ErrorCode.FetchSessionIdNotFound:
                _sessionId = 0;
                _epoch = 0;
                return false;
            default:
                // INVALID_FETCH_SESSION_EPOCH, FETCH_SESSION_TOPIC_ID_ERROR or another top-level error: a full
                // request next, which closes the session at the broker and asks for a new one.
                _epoch = 0;
                return false;
        }
    }

    /// <summary>The request failed without an answer (connection lost): the next request is full, closing the session if the broker still has it.</summary>
    public void Reset() => _epoch = 0;

    private static bool SameFetch(FetchRequest.FetchPartition a, FetchRequest.FetchPartition b)
        => a.FetchOffset == b.FetchOffset && a.LogStartOffset == b.LogStartOffset && a.PartitionMaxBytes == b.PartitionMaxBytes
            && a.CurrentLeaderEpoch == b.CurrentLeaderEpoch && a.LastFetchedEpoch == b.LastFetchedEpoch;
}
