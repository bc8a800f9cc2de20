using System.Buffers;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Client.Producer;

/// <summary>
/// One partition's batch: records are encoded as they arrive (so the producer keeps bytes, not objects), then the
/// batch is closed once — header, compression and CRC — and kept as bytes until the broker has answered.
/// </summary>
internal sealed class ProducerBatch : IDisposable
{
    // A record's framing beyond key, value and headers: length, attributes, deltas, lengths (varints).
    private const int RecordOverhead = 24;

    private readonly KafkaWriter _buffer = new(1024);
    private readonly List<(TaskCompletionSource<DeliveryResult> Completion, long Timestamp)> _records = [];
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RecordBatchBuilder? _builder = new();

    public ProducerBatch(TopicPartition partition, CompressionType compression, long createdAt, long deadline)
    {
        Partition = partition;
        CreatedAt = createdAt;
        Deadline = deadline;
        _builder.Begin(_buffer, new RecordBatchSettings { Compression = compression });
    }

    public TopicPartition Partition { get; }

    /// <summary>When the first record arrived (ms on the producer's clock); linger counts from here.</summary>
    public long CreatedAt { get; }

    /// <summary>After this (ms) the batch's records fail instead of being retried (delivery.timeout.ms).</summary>
    public long Deadline { get; }

    public int RecordCount => _records.Count;

    public bool IsClosed => _builder is null;

    /// <summary>The encoded batch, once closed.</summary>
    public ReadOnlyMemory<byte> Bytes => IsClosed ? _buffer.WrittenMemory : throw new InvalidOperationException("The batch is still open.");

    /// <summary>Completes when every record of the batch is delivered or failed; never faults.</summary>
    public Task Done => _done.Task;

    public static int EstimateSize(ProducerRecord record)
    {
        var size = RecordOverhead + (record.Key?.Length ?? 0) + (record.Value?.Length ?? 0);
        foreach (var header in record.Headers)
            size += 10 + header.Key.Length * 3 + (header.Value?.Length ?? 0);
        return size;
    }

    /// <summary>Appends unless the batch already holds records and this one would take it past <paramref name="batchSize"/>.</summary>
    public bool TryAppend(ProducerRecord record, long timestamp, TaskCompletionSource<DeliveryResult> completion, int batchSize)
    {
        var builder = _builder ?? throw new InvalidOperationException("The batch is closed.");
        if (_records.Count > 0 && builder.UncompressedSize + EstimateSize(record) > batchSize)
            return false;
        var headers = record.Headers.Count == 0 ? null : ArrayPool<RecordHeader>.Shared.Rent(record.Headers.Count);
        try
        {
            for (var i = 0; i < record.Headers.Count; i++)
                headers![i] = new RecordHeader(record.Headers[i].Key, record.Headers[i].Value);
            builder.Append(timestamp, record.Key, record.Value, headers.AsSpan(0, record.Headers.Count));
        }
        finally
        {
            if (headers is not null)
                ArrayPool<RecordHeader>.Shared.Return(headers, clearArray: true);
        }
        _records.Add((completion, timestamp));
        return true;
    }

    /// <summary>Writes header, compression and CRC. A codec failure fails the batch's records and returns false.</summary>
    public bool Close()
    {
        var builder = _builder ?? throw new InvalidOperationException("The batch is already closed.");
        try
        {
            builder.Finish();
            return true;
        }
        catch (CompressionException e)
        {
            Fail(new RunnelException($"Could not compress a batch for {Partition}: {e.Message}", e));
            return false;
        }
        finally
        {
            builder.Dispose();
            _builder = null;
        }
    }

    /// <summary>The broker stored the batch at <paramref name="baseOffset"/> (-1 with acks=0).</summary>
    public void Complete(long baseOffset, long logAppendTime)
    {
        for (var i = 0; i < _records.Count; i++)
        {
            var (completion, timestamp) = _records[i];
            completion.TrySetResult(new DeliveryResult(Partition.Topic, Partition.Partition,
                baseOffset < 0 ? -1 : baseOffset + i, logAppendTime >= 0 ? logAppendTime : timestamp));
        }
        _done.TrySetResult();
    }

    public void Fail(Exception error)
    {
        foreach (var (completion, _) in _records)
            completion.TrySetException(error);
        _done.TrySetResult();
    }

    public void Dispose()
    {
        _builder?.Dispose();
        _buffer.Dispose();
    }
}
