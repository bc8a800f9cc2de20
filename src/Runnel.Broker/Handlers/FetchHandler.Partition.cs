using Runnel.Broker.Pipeline;
using Runnel.Broker.Topics;
using Runnel.Protocol;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Records;
using Runnel.Storage;

namespace Runnel.Broker.Handlers;

/// <summary>Reading one partition for a fetch.</summary>
internal sealed partial class FetchHandler
{
    private const byte ReadCommitted = 1;

    /// <summary>Fills <paramref name="reply"/> for one partition and returns the record bytes it carries.</summary>
    private static int ReadPartition(RequestContext context, FetchRequest request, PartitionState partition,
        FetchRequest.FetchPartition fetch, FetchResponse.PartitionData reply, int responseBudget, bool firstInResponse)
    {
        var log = partition.Log;
        reply.HighWatermark = partition.HighWatermark;
        reply.LastStableOffset = partition.LastStableOffset;
        reply.LogStartOffset = log.LogStartOffset;
        reply.AbortedTransactions = request.IsolationLevel == ReadCommitted ? [] : null;
        if (partition.CheckLeaderEpoch(fetch.CurrentLeaderEpoch) is var epochError && epochError != ErrorCode.None)
        {
            reply.ErrorCode = (short)epochError;
            return 0;
        }
        var bound = request.IsolationLevel == ReadCommitted ? partition.LastStableOffset : partition.HighWatermark;
        var maxBytes = Math.Min(Math.Max(fetch.PartitionMaxBytes, 0), responseBudget);
        try
        {
            using var result = log.Read(fetch.FetchOffset, maxBytes, bound, minOneBatch: firstInResponse);
            if (result.IsEmpty)
            {
                reply.Records = ReadOnlyMemory<byte>.Empty;
                return 0;
            }
            var owner = context.Track(result.ToPooledMemory());
            var records = owner.Memory[..result.Length];
            if (context.Version < 10 && ContainsZstd(records.Span))
            {
                reply.ErrorCode = (short)ErrorCode.UnsupportedCompressionType;
                return 0;
            }
            reply.Records = records;
            return records.Length;
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.OffsetOutOfRange)
        {
            reply.ErrorCode = (short)ErrorCode.OffsetOutOfRange;
            return 0;
        }
        catch (StorageException)
        {
            reply.ErrorCode = (short)ErrorCode.KafkaStorageError;
            return 0;
        }
    }

    /// <summary>Kafka refuses zstd batches to fetches below v10, whose clients may not know the codec.</summary>
    private static bool ContainsZstd(ReadOnlySpan<byte> batches)
    {
        while (RecordBatchHeader.TryRead(batches, out var header) && header.TotalSize <= batches.Length && header.TotalSize > 0)
        {
            if (header.Compression == CompressionType.Zstd)
                return true;
            batches = batches[header.TotalSize..];
        }
        return false;
    }
}
