using System.Runtime.InteropServices;
using Runnel.Broker.Pipeline;
using Runnel.Broker.Producers;
using Runnel.Broker.Topics;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Storage;

namespace Runnel.Broker.Handlers;

/// <summary>
/// Produce v3-11 (magic 2 only; Kafka 4 dropped v0-2 too). Each partition's batch is validated (structure, CRC,
/// records, max.message.bytes, zstd only from v7), stamped with the leader epoch (and the append time for
/// LogAppendTime topics) and appended; the log assigns offsets. All appends happen before the first await, so
/// pipelined requests on one connection append in order. acks=1 replies once appended (page cache); acks=all
/// replies once an fsync covers the append when runnel.acks.all.fsync is on (group commit); acks=0 gets no reply,
/// and, as in Kafka, a failed acks=0 request closes the connection so the producer notices. Only the group
/// coordinator writes to __consumer_offsets; clients get INVALID_TOPIC_EXCEPTION.
/// </summary>
internal sealed class ProduceHandler : ApiHandler<ProduceRequest, ProduceResponse>
{
    public override ApiKey Key => ApiKey.Produce;

    public override short MinVersion => 3;

    public override short MaxVersion => 11;

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
        var response = new ProduceResponse();
        var durable = new List<(ProduceResponse.PartitionProduceResponse Reply, PartitionState Partition, long Offset)>();
        var validAcks = request.Acks is -1 or 0 or 1;
        var failed = false;
        foreach (var topicData in request.TopicData)
        {
            var topicReply = new ProduceResponse.TopicProduceResponse { Name = topicData.Name };
            response.Responses.Add(topicReply);
            var topic = context.Broker.Topics.Find(topicData.Name);
            foreach (var partitionData in topicData.PartitionData)
            {
                var reply = new ProduceResponse.PartitionProduceResponse { Index = partitionData.Index };
                topicReply.PartitionResponses.Add(reply);
                var partition = topic?.Partition(partitionData.Index);
                if (!validAcks)
                    reply.ErrorCode = (short)ErrorCode.InvalidRequiredAcks;
                else if (topic is null || partition is null)
                    reply.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                else if (topic.Name == Groups.OffsetsTopicStore.TopicName)
                    (reply.ErrorCode, reply.ErrorMessage) = ((short)ErrorCode.InvalidTopicException, $"Cannot append to internal topic {topic.Name}");
                else if (Append(context, topic, partition, partitionData.Records, reply) is { } lastOffset && request.Acks == -1)
                    durable.Add((reply, partition, lastOffset));
                failed |= reply.ErrorCode != 0;
            }
        }
        if (request.Acks == 0)
        {
            if (failed)
                context.Connection.Close("an acks=0 produce request failed; closing so the producer notices");
            return new((ProduceResponse?)null);
        }
        return durable.Count == 0 || context.Broker.Topics.Logs.Durability != DurabilityMode.GroupCommit
            ? new(response)
            : WaitForDurabilityAsync(response, durable);
    }

    /// <summary>Validates, stamps and appends one partition's batch; returns its last offset, or null on error.</summary>
    private static long? Append(RequestContext context, TopicState topic, PartitionState partition, ReadOnlyMemory<byte>? records,
        ProduceResponse.PartitionProduceResponse reply)
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
        if (info.IsTransactional)
        {
            reply.ErrorCode = (short)ErrorCode.InvalidTxnState;
            reply.ErrorMessage = "Transactional produce is not supported yet (there is no transaction coordinator).";
            return null;
        }
        // The frame is our own copy of the request bytes, so the batch can be stamped where it lies.
        var batch = MemoryMarshal.AsMemory(bytes).Span;
        RecordBatch.SetPartitionLeaderEpoch(batch, partition.LeaderEpoch);
        var appendTime = settings.Log.MessageTimestampType == TimestampType.LogAppendTime;
        if (appendTime)
            RecordBatch.SetMaxTimestamp(batch, TimestampType.LogAppendTime, now);
        else if (info.MaxTimestamp != info.DeclaredMaxTimestamp)
            // As Kafka does: the header's maxTimestamp must be the records' real maximum (time index, retention).
            RecordBatch.SetMaxTimestamp(batch, TimestampType.CreateTime, info.MaxTimestamp);
        try
        {
            LogAppendInfo appended;
            lock (partition.AppendLock)
            {
                if (info.HasProducerId)
                {
                    var check = partition.ProducerStates.Check(ProducerBatchOf(info));
                    if (check.IsDuplicate)
                        return AnswerDuplicate(partition, info, check, reply);
                    if (check.Error != ErrorCode.None)
                    {
                        reply.ErrorCode = (short)check.Error;
                        reply.ErrorMessage = check.Message;
                        return null;
                    }
                }
                appended = partition.Log.Append(batch);
                if (info.HasProducerId)
                    partition.ProducerStates.Record(ProducerBatchOf(info), appended.FirstOffset);
            }
            partition.SignalAppended();
            reply.BaseOffset = appended.FirstOffset;
            reply.LogAppendTimeMs = appendTime ? now : -1;
            reply.LogStartOffset = appended.LogStartOffset;
            return appended.LastOffset;
        }
        catch (StorageException e)
        {
            reply.ErrorCode = (short)(e.Kind == StorageErrorKind.InvalidBatch ? ErrorCode.CorruptMessage : ErrorCode.KafkaStorageError);
            reply.ErrorMessage = e.Message;
            return null;
        }
    }

    /// <summary>
    /// A retried idempotent batch that was appended already: answered with its original offset, not appended again;
    /// its last offset is returned so that acks=all still waits until the original is durable.
    /// </summary>
    private static long AnswerDuplicate(PartitionState partition, in RecordBatchInfo info, SequenceCheck check,
        ProduceResponse.PartitionProduceResponse reply)
    {
        reply.BaseOffset = check.DuplicateOfOffset;
        reply.LogAppendTimeMs = -1;
        reply.LogStartOffset = partition.Log.LogStartOffset;
        return check.DuplicateOfOffset + info.LastOffsetDelta;
    }

    private static ProducerBatch ProducerBatchOf(in RecordBatchInfo info) => new(info.ProducerId, info.ProducerEpoch, info.BaseSequence, info.LastSequence);

    private static async ValueTask<ProduceResponse?> WaitForDurabilityAsync(ProduceResponse response,
        List<(ProduceResponse.PartitionProduceResponse Reply, PartitionState Partition, long Offset)> appended)
    {
        foreach (var (reply, partition, lastOffset) in appended)
        {
            try
            {
                await partition.Log.WaitForDurableAsync(lastOffset + 1).ConfigureAwait(false);
            }
            catch (StorageException e)
            {
                reply.ErrorCode = (short)ErrorCode.KafkaStorageError;
                reply.ErrorMessage = $"the append was not made durable: {e.Message}";
                reply.BaseOffset = -1;
            }
        }
        return response;
    }

    private static long SaturatingAdd(long value, long delta)
        => delta > 0 && value > long.MaxValue - delta ? long.MaxValue : delta < 0 && value < long.MinValue - delta ? long.MinValue : value + delta;

}
