using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.FetchSessions;

/// <summary>
/// How one fetch request is read and answered (Kafka's FetchContext): the partitions to read, and what the answer
/// becomes — every partition read with SessionId 0 (sessionless), every partition with a new session's id (full),
/// only the partitions whose answer the fetcher has not seen with the session's id (incremental), or a session error
/// with no partitions.
/// </summary>
internal sealed class FetchContext
{
    private readonly Func<int>? _createSession;
    private readonly FetchSessionCacheShard? _shard;
    private readonly FetchSession? _session;
    private readonly int _epoch;

    private FetchContext(List<FetchTarget> targets, ErrorCode error, Func<int>? createSession, FetchSessionCacheShard? shard, FetchSession? session, int epoch)
    {
        Targets = targets;
        Error = error;
        _createSession = createSession;
        _shard = shard;
        _session = session;
        _epoch = epoch;
    }

    /// <summary>The partitions to read, in order.</summary>
    public List<FetchTarget> Targets { get; }

    /// <summary>A session error: nothing is read and the answer carries only this code.</summary>
    public ErrorCode Error { get; }

    public static FetchContext Sessionless(List<FetchTarget> targets) => new(targets, ErrorCode.None, null, null, null, 0);

    public static FetchContext Full(List<FetchTarget> targets, Func<int> createSession) => new(targets, ErrorCode.None, createSession, null, null, 0);

    public static FetchContext Incremental(FetchSessionCacheShard shard, FetchSession session, int epoch, List<FetchTarget> targets)
        => new(targets, ErrorCode.None, null, shard, session, epoch);

    public static FetchContext Failed(ErrorCode error) => new([], error, null, null, null, 0);

    /// <summary>
    /// Turns what was read (one answer per target, in order) into the response: grouped by topic as the partitions
    /// come, with the session id this context gives, an incremental answer keeping only what must be sent.
    /// </summary>
    public FetchResponse Respond(List<(FetchTarget Target, FetchResponse.PartitionData Data)> answers, List<FetchResponse.NodeEndpoint> nodes)
    {
        var response = new FetchResponse { ErrorCode = (short)Error, NodeEndpoints = nodes };
        if (Error != ErrorCode.None)
            return response;
        if (_session is { } session)
        {
            lock (_shard!.Gate)
            {
                if (session.Epoch != _epoch)
                    return new FetchResponse { ErrorCode = (short)ErrorCode.InvalidFetchSessionEpoch, SessionId = session.Id };
                answers.RemoveAll(a => !a.Target.MustRespond(a.Data, update: true));
                foreach (var (target, data) in answers)
                {
                    if (data.Records is { Length: > 0 })
                        session.MoveToBack(target);
                }
            }
            response.SessionId = session.Id;
        }
        else if (_createSession is { } create)
        {
            foreach (var (target, data) in answers)
            {
                target.HighWatermark = data.HighWatermark;
                target.LogStartOffset = data.LogStartOffset;
            }
            response.SessionId = create();
        }
        FetchResponse.FetchableTopicResponse? topic = null;
        foreach (var (target, data) in answers)
        {
            if (topic is null || topic.TopicId != target.Key.TopicId || topic.Topic != (target.Key.Topic ?? ""))
            {
                topic = new FetchResponse.FetchableTopicResponse { Topic = target.Key.Topic ?? "", TopicId = target.Key.TopicId };
                response.Responses.Add(topic);
            }
            topic.Partitions.Add(data);
        }
        return response;
    }
}
