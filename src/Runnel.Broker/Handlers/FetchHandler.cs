using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Raft.Messages;

namespace Runnel.Broker.Handlers;

/// <summary>
/// Fetch v4-17. Reads whole batches from each partition up to its PartitionMaxBytes and the response's MaxBytes
/// (the first batch of the response is returned even when larger, as Kafka does, so a consumer always makes
/// progress), bounded by the high watermark, or by the last stable offset for read_committed. When fewer than
/// MinBytes are ready it waits up to MaxWaitMs, woken by appends to any requested partition (long poll).
/// Fetch sessions are declined (SessionId 0, so clients send full fetches); an unknown session id gets
/// FETCH_SESSION_ID_NOT_FOUND. v13+ name topics by id. zstd batches are refused below v10 with
/// UNSUPPORTED_COMPRESSION_TYPE. Aborted transactions: null for read_uncommitted, empty for read_committed.
/// A fetch of __cluster_metadata (by name or Kafka's fixed topic id) is a voter replicating the metadata log and goes
/// to the quorum member.
/// </summary>
internal sealed partial class FetchHandler : ApiHandler<FetchRequest, FetchResponse>
{
    public override ApiKey Key => ApiKey.Fetch;

    public override short MinVersion => 4;

    public override short MaxVersion => 17;

    protected override async ValueTask<FetchResponse?> HandleAsync(RequestContext context, FetchRequest request)
    {
        // A voter replicating the metadata log: the quorum member answers (see RaftNode.Fetch).
        if (request.Topics is [var only] && (only.Topic == RaftRequests.MetadataTopic || only.TopicId == RaftRequests.MetadataTopicId))
        {
            return await QuorumForwarding.ForwardAsync(context, Key, request,
                () => new FetchResponse { ErrorCode = (short)ErrorCode.BrokerNotAvailable }).ConfigureAwait(false);
        }
        if (request.SessionId != 0)
            return new FetchResponse { ErrorCode = (short)ErrorCode.FetchSessionIdNotFound };
        var time = context.Broker.Time;
        var deadline = time.GetTimestamp() + (long)(Math.Max(request.MaxWaitMs, 0) * (time.TimestampFrequency / 1000.0));
        while (true)
        {
            var waitFor = new List<Task>();
            var (response, bytes, anyError) = ReadOnce(context, request, waitFor);
            var remaining = time.GetElapsedTime(time.GetTimestamp(), deadline);
            if (bytes >= request.MinBytes || anyError || remaining <= TimeSpan.Zero || waitFor.Count == 0)
                return response;
            context.ReleaseResources();
            using var timeout = new CancellationTokenSource(remaining, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.Cancellation);
            try
            {
                await Task.WhenAny(waitFor).WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!context.Cancellation.IsCancellationRequested)
            {
                // The wait is over: answer with whatever is there now.
            }
        }
    }

    /// <summary>One pass over the requested partitions; collects the append signals to wait on if it comes up short.</summary>
    private static (FetchResponse Response, long Bytes, bool AnyError) ReadOnce(RequestContext context, FetchRequest request, List<Task> waitFor)
    {
        var response = new FetchResponse();
        var budget = request.MaxBytes <= 0 ? int.MaxValue : request.MaxBytes;
        long total = 0;
        var anyError = false;
        var byId = context.Version >= 13;
        foreach (var fetchTopic in request.Topics)
        {
            var topic = byId ? context.Broker.Topics.Find(fetchTopic.TopicId) : context.Broker.Topics.Find(fetchTopic.Topic);
            var topicReply = new FetchResponse.FetchableTopicResponse { Topic = fetchTopic.Topic, TopicId = fetchTopic.TopicId };
            response.Responses.Add(topicReply);
            foreach (var fetchPartition in fetchTopic.Partitions)
            {
                var reply = new FetchResponse.PartitionData { PartitionIndex = fetchPartition.Partition };
                topicReply.Partitions.Add(reply);
                var partition = topic?.Partition(fetchPartition.Partition);
                if (partition is null)
                {
                    reply.ErrorCode = (short)(topic is null && byId ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition);
                    reply.HighWatermark = reply.LastStableOffset = reply.LogStartOffset = -1;
                    anyError = true;
                    continue;
                }
                // Take the signal before reading, so an append between the read and the wait still wakes us.
                waitFor.Add(partition.NextAppend);
                total += ReadPartition(context, request, partition, fetchPartition, reply, (int)Math.Min(budget - total, int.MaxValue), total == 0);
                anyError |= reply.ErrorCode != 0;
            }
        }
        return (response, total, anyError);
    }
}
