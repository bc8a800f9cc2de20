using System.Runtime.InteropServices;
using Runnel.Broker.Authorization;
using Runnel.Broker.Partitions;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Metadata.Image;
using Runnel.Protocol;
using Runnel.Protocol.Acls;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Storage;

namespace Runnel.Broker.Handlers;

/// <summary>
/// Produce v3-11 (magic 2 only; Kafka 4 dropped v0-2 too). Each partition's batch is validated (structure, CRC,
/// records, max.message.bytes, zstd only from v7) and stamped with the append time for LogAppendTime topics; the
/// partition then appends it as the leader (see <see cref="Partition.AppendAsLeader"/>: leadership, min.insync.replicas
/// for acks=all, idempotence, the leader epoch). All appends happen before the first await, so pipelined requests on
/// one connection append in order. acks=1 replies once the leader appended (page cache); acks=all once the in-sync
/// replicas have the batch (the high watermark passed it) and, when runnel.acks.all.fsync is on, an fsync on the
/// leader covers it (group commit), or after the request's timeout with REQUEST_TIMED_OUT; acks=0 gets no reply,
/// and, as in Kafka, a failed acks=0 request closes the connection so the producer notices. A partition this node
/// does not host is NOT_LEADER_OR_FOLLOWER, with the current leader from v10 (KIP-951). Only the group coordinator
/// writes to __consumer_offsets; clients get INVALID_TOPIC_EXCEPTION. Transactional batches open their producer's
/// transaction on the partition (ended by WriteTxnMarkers); a request with transactional batches but no
/// transactional id (or, with an authorizer, one the principal may not WRITE) is TRANSACTIONAL_ID_AUTHORIZATION_FAILED
/// for every partition, as Kafka answers it. With an authorizer, a topic the principal may not WRITE answers
/// TOPIC_AUTHORIZATION_FAILED for its partitions and nothing is appended to it.
/// </summary>
internal sealed class ProduceHandler : ApiHandler<ProduceRequest, ProduceResponse>
{
    public override ApiKey Key => ApiKey.Produce;

    public override short MinVersion => 3;

    public override short MaxVersion => 11;

    /// <summary>Kafka does not hold acks=0 producers to request quotas (they read no reply to see a throttle time).</summary>
    public override bool ExemptFromRequestQuota(IKafkaMessage request, short version) => request is ProduceRequest { Acks: 0 };

    public override bool AllowsPipelining => true;

    /// <summary>
    /// Where compressed records are inflated for validation. Validation runs synchronously on one thread and keeps
    /// nothing, so one buffer per thread serves every request without per-request allocation.
    /// </summary>
    private static KafkaWriter Scratch => _threadScratch ??= new KafkaWriter(64 * 1024);

    [ThreadStatic]
    private static KafkaWriter? _threadScratch;

    protected override ValueTask<ProduceResponse?> HandleAsync(RequestContext context, ProduceRequest request)
    {
        var throttle = context.Broker.Quotas.RecordProduce(context, request.TopicData.Sum(t => t.PartitionData.Sum(p => (long)(p.Records?.Length ?? 0))));
        if (throttle > TimeSpan.Zero)
            return context.Broker.Quotas.ThrottleAsync(context, Serve(context, request), throttle, muteAfterReply: context.Version >= 6, (r, ms) => r.ThrottleTimeMs = ms);
        return Serve(context, request);
    }

    private static ValueTask<ProduceResponse?> Serve(RequestContext context, ProduceRequest request)
    {
        if (HasTransactionalRecords(request)
            && (request.TransactionalId is not { } writer || !context.AuthorizeTransactionalId(AclOperation.Write, writer)))
            return new(RefuseAll(request, ErrorCode.TransactionalIdAuthorizationFailed));
        if (request.TransactionalId is { } transactionalId && Unverified(context, request) is { Count: > 0 } unverified)
            return VerifyThenAppendAsync(context, request, transactionalId, unverified);
        return AppendAll(context, request, refused: null);
    }

    /// <summary>
    /// KIP-890 part 1: the partitions whose batch would open a transaction here (a transactional batch of a producer
    /// with no transaction open on the partition), which the coordinator must confirm first.
    /// </summary>
    private static List<(TopicPartition Partition, long ProducerId, short ProducerEpoch)>? Unverified(RequestContext context, ProduceRequest request)
    {
        List<(TopicPartition, long, short)>? unverified = null;
        foreach (var topicData in request.TopicData)
        {
            var topic = context.Broker.Topics.Find(topicData.Name);
            if (!context.AuthorizeTopic(AclOperation.Write, topicData.Name))
                continue;
            foreach (var partitionData in topicData.PartitionData)
            {
                if (partitionData.Records is not { } records || !RecordBatchHeader.TryRead(records.Span, out var header) || !header.IsTransactional
                    || topic?.Partition(partitionData.Index) is not { IsLeader: true } partition || partition.Log.OpenTransactionStart(header.ProducerId) >= 0)
                {
                    continue;
                }
                (unverified ??= []).Add((partition.TopicPartition, header.ProducerId, header.ProducerEpoch));
            }
        }
        return unverified;
    }

    private static async ValueTask<ProduceResponse?> VerifyThenAppendAsync(RequestContext context, ProduceRequest request, string transactionalId,
        List<(TopicPartition Partition, long ProducerId, short ProducerEpoch)> unverified)
    {
        var refused = new Dictionary<TopicPartition, ErrorCode>();
        if (context.Broker.TransactionVerifier is { } verifier)
        {
            var answers = await Task.WhenAll(unverified.Select(u =>
                verifier.VerifyAsync(transactionalId, u.ProducerId, u.ProducerEpoch, u.Partition, context.Version, context.Cancellation))).ConfigureAwait(false);
            for (var i = 0; i < unverified.Count; i++)
            {
                if (answers[i] != ErrorCode.None)
                    refused[unverified[i].Partition] = answers[i];
            }
        }
        return await AppendAll(context, request, refused).ConfigureAwait(false);
    }

    /// <summary>Appends every partition's batch but those in <paramref name="refused"/>, which answer their error.</summary>
    private static ValueTask<ProduceResponse?> AppendAll(RequestContext context, ProduceRequest request, Dictionary<TopicPartition, ErrorCode>? refused)
    {
        var response = new ProduceResponse();
        List<(ProduceResponse.PartitionProduceResponse Reply, Partition Partition, long Offset)>? waiting = null;
        var validAcks = request.Acks is -1 or 0 or 1;
        var failed = false;
        foreach (var topicData in request.TopicData)
        {
            var topicReply = new ProduceResponse.TopicProduceResponse { Name = topicData.Name };
            response.Responses.Add(topicReply);
            var topic = context.Broker.Topics.Find(topicData.Name);
            var authorized = context.AuthorizeTopic(AclOperation.Write, topicData.Name);
            foreach (var partitionData in topicData.PartitionData)
            {
                var reply = new ProduceResponse.PartitionProduceResponse { Index = partitionData.Index };
                topicReply.PartitionResponses.Add(reply);
                if (!authorized)
                    (reply.ErrorCode, reply.BaseOffset) = ((short)ErrorCode.TopicAuthorizationFailed, -1);
                else if (!validAcks)
                    reply.ErrorCode = (short)ErrorCode.InvalidRequiredAcks;
                else if (topic is null || !topic.Exists(partitionData.Index))
                    reply.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                else if (topic.IsInternal)
                    (reply.ErrorCode, reply.ErrorMessage) = ((short)ErrorCode.InvalidTopicException, $"Cannot append to internal topic {topic.Name}");
                else if (topic.Partition(partitionData.Index) is not { } partition)
                    NotLeader(context, response, topic, partitionData.Index, reply, $"This broker does not host {topic.Name}-{partitionData.Index}.");
                else if (refused?.GetValueOrDefault(partition.TopicPartition) is { } verification and not ErrorCode.None)
                    (reply.ErrorCode, reply.ErrorMessage) = ((short)verification, $"{partition.TopicPartition} was not verified to be in the transaction: {verification}.");
                else if (Append(context, topic, partition, partitionData.Records, request.Acks, reply, response) is { } lastOffset && request.Acks == -1)
                    (waiting ??= []).Add((reply, partition, lastOffset));
                failed |= reply.ErrorCode != 0;
            }
        }
        if (request.Acks == 0)
        {
            if (failed)
                context.Connection.Close("an acks=0 produce request failed; closing so the producer notices");
            return new((ProduceResponse?)null);
        }
        return waiting is null ? new(response) : WaitForAcksAsync(context, request, response, waiting);
    }

    /// <summary>Kafka's hasTransactionalRecords: whether any partition's first batch is transactional.</summary>
    private static bool HasTransactionalRecords(ProduceRequest request)
        => request.TopicData.Any(t => t.PartitionData.Any(p => p.Records is { } records && RecordBatchHeader.TryRead(records.Span, out var header) && header.IsTransactional));

    /// <summary>Kafka's getErrorResponse: every partition answers <paramref name="error"/>, nothing is appended.</summary>
    private static ProduceResponse RefuseAll(ProduceRequest request, ErrorCode error)
    {
        var response = new ProduceResponse();
        foreach (var topicData in request.TopicData)
        {
            var topicReply = new ProduceResponse.TopicProduceResponse { Name = topicData.Name };
            response.Responses.Add(topicReply);
            foreach (var partitionData in topicData.PartitionData)
                topicReply.PartitionResponses.Add(new ProduceResponse.PartitionProduceResponse { Index = partitionData.Index, ErrorCode = (short)error, BaseOffset = -1 });
        }
        return response;
    }

    /// <summary>Validates, stamps and appends one partition's batch; returns its last offset, or null on error.</summary>
    private static long? Append(RequestContext context, TopicState topic, Partition partition, ReadOnlyMemory<byte>? records, short acks,
        ProduceResponse.PartitionProduceResponse reply, ProduceResponse response)
    {
        var settings = topic.Settings;
        var now = context.Broker.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var options = new RecordBatchValidationOptions
        {
            MaxBatchBytes = settings.Log.MaxMessageBytes,
            AllowZstd = context.Version >= 7,
            RequireKeys = settings.Log.Compact,
            MinTimestamp = SaturatingAdd(now, -settings.TimestampBeforeMaxMs),
            MaxTimestamp = SaturatingAdd(now, settings.TimestampAfterMaxMs),
        };
        var bytes = records ?? ReadOnlyMemory<byte>.Empty;
        var validation = RecordBatchValidator.Validate(bytes.Span, options, out var info, Scratch);
        if (!validation.IsValid)
        {
            reply.ErrorCode = validation.Error.ToKafkaErrorCode();
            reply.ErrorMessage = validation.Message;
            return null;
        }
        // The frame is our own copy of the request bytes, so the batch can be stamped where it lies.
        var batch = MemoryMarshal.AsMemory(bytes).Span;
        var appendTime = settings.Log.MessageTimestampType == TimestampType.LogAppendTime;
        if (appendTime)
            RecordBatch.SetMaxTimestamp(batch, TimestampType.LogAppendTime, now);
        else if (info.MaxTimestamp != info.DeclaredMaxTimestamp)
            // As Kafka does: the header's maxTimestamp must be the records' real maximum (time index, retention).
            RecordBatch.SetMaxTimestamp(batch, TimestampType.CreateTime, info.MaxTimestamp);
        AppendOutcome outcome;
        try
        {
            outcome = partition.AppendAsLeader(batch, info, acks);
        }
        catch (StorageException e)
        {
            reply.ErrorCode = (short)(e.Kind == StorageErrorKind.InvalidBatch ? ErrorCode.CorruptMessage : ErrorCode.KafkaStorageError);
            reply.ErrorMessage = e.Message;
            return null;
        }
        if (outcome.Error == ErrorCode.NotLeaderOrFollower)
        {
            NotLeader(context, response, topic, partition.TopicPartition.Partition, reply, outcome.Message);
            return null;
        }
        if (!outcome.Succeeded)
        {
            reply.ErrorCode = (short)outcome.Error;
            reply.ErrorMessage = outcome.Message;
            return null;
        }
        reply.BaseOffset = outcome.FirstOffset;
        reply.LogAppendTimeMs = appendTime ? now : -1;
        reply.LogStartOffset = outcome.LogStartOffset;
        return outcome.LastOffset;
    }

    /// <summary>NOT_LEADER_OR_FOLLOWER, with the current leader and its endpoint from v10 (KIP-951).</summary>
    private static void NotLeader(RequestContext context, ProduceResponse response, TopicState topic, int partition,
        ProduceResponse.PartitionProduceResponse reply, string? message)
    {
        reply.ErrorCode = (short)ErrorCode.NotLeaderOrFollower;
        reply.ErrorMessage = message;
        if (context.Version < 10)
            return;
        var hint = LeaderHints.For(context.Broker, topic.Id, partition, context.Connection.ListenerName);
        reply.CurrentLeader = new ProduceResponse.LeaderIdAndEpoch { LeaderId = hint.LeaderId, LeaderEpoch = hint.LeaderEpoch };
        if (hint.Host is not null && response.NodeEndpoints.All(n => n.NodeId != hint.NodeId))
            response.NodeEndpoints.Add(new ProduceResponse.NodeEndpoint { NodeId = hint.NodeId, Host = hint.Host, Port = hint.Port });
    }

    private static async ValueTask<ProduceResponse?> WaitForAcksAsync(RequestContext context, ProduceRequest request, ProduceResponse response,
        List<(ProduceResponse.PartitionProduceResponse Reply, Partition Partition, long Offset)> appended)
    {
        var fsync = context.Broker.Topics.Logs.Durability == DurabilityMode.GroupCommit;
        var timeout = TimeSpan.FromMilliseconds(Math.Max(request.TimeoutMs, 0));
        var waits = appended.Select(a => a.Partition.WaitForAcksAsync(a.Offset, fsync, timeout, context.Cancellation)).ToList();
        for (var i = 0; i < appended.Count; i++)
        {
            var (error, message) = await waits[i].ConfigureAwait(false);
            if (error == ErrorCode.None)
                continue;
            var reply = appended[i].Reply;
            reply.ErrorCode = (short)error;
            reply.ErrorMessage = message;
            if (error != ErrorCode.NotEnoughReplicasAfterAppend)
                reply.BaseOffset = -1;
        }
        return response;
    }

    private static long SaturatingAdd(long value, long delta)
        => delta > 0 && value > long.MaxValue - delta ? long.MaxValue : delta < 0 && value < long.MinValue - delta ? long.MinValue : value + delta;
}
