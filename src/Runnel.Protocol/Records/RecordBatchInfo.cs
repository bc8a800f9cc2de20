using Runnel.Protocol.Compression;

namespace Runnel.Protocol.Records;

/// <summary>What the broker needs to know about one validated batch to append it and update producer state.</summary>
public readonly record struct RecordBatchInfo
{
    /// <summary>The batch's size on the wire, header included; the next batch starts this many bytes later.</summary>
    public int SizeInBytes { get; init; }

    public int RecordCount { get; init; }

    /// <summary>The offsetDelta of the first record (0 for producer batches; more after compaction).</summary>
    public int FirstOffsetDelta { get; init; }

    /// <summary>From the header; a compacted batch keeps it even when its last records are gone.</summary>
    public int LastOffsetDelta { get; init; }

    public long BaseTimestamp { get; init; }

    /// <summary>
    /// The largest record timestamp (CreateTime), or the stored append time (LogAppendTime). When the records were
    /// not walked this is the header's maxTimestamp.
    /// </summary>
    public long MaxTimestamp { get; init; }

    /// <summary>The offsetDelta of the first record carrying <see cref="MaxTimestamp"/>.</summary>
    public int MaxTimestampOffsetDelta { get; init; }

    /// <summary>The header's maxTimestamp as sent; when it differs from <see cref="MaxTimestamp"/> Kafka rewrites it.</summary>
    public long DeclaredMaxTimestamp { get; init; }

    /// <summary>-1 when the producer is neither idempotent nor transactional.</summary>
    public long ProducerId { get; init; }

    public short ProducerEpoch { get; init; }

    public int BaseSequence { get; init; }

    public CompressionType Compression { get; init; }

    public TimestampType TimestampType { get; init; }

    public bool IsTransactional { get; init; }

    public bool IsControl { get; init; }

    /// <summary>
    /// Bytes of the records section after decompression: the stored size when uncompressed, or when the options
    /// skipped walking compressed records.
    /// </summary>
    public int UncompressedRecordsBytes { get; init; }

    public bool HasProducerId => ProducerId >= 0;

    /// <summary>The sequence of the last record, wrapping past int.MaxValue as Kafka's sequences do.</summary>
    public int LastSequence => BaseSequence < 0 ? -1 : (int)(((long)BaseSequence + LastOffsetDelta) % ((long)int.MaxValue + 1));
}
