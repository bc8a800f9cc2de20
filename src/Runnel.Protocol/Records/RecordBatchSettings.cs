using Runnel.Protocol.Compression;

namespace Runnel.Protocol.Records;

/// <summary>The header fields of a batch being built; the defaults describe a plain, non-idempotent producer batch.</summary>
public readonly record struct RecordBatchSettings
{
    public RecordBatchSettings()
    {
    }

    public CompressionType Compression { get; init; }

    public TimestampType TimestampType { get; init; }

    /// <summary>For <see cref="TimestampType.LogAppendTime"/> batches: the append time, stored as maxTimestamp.</summary>
    public long LogAppendTime { get; init; } = -1;

    /// <summary>0 for a producer; the broker stamps the real offset on append.</summary>
    public long BaseOffset { get; init; }

    public int PartitionLeaderEpoch { get; init; } = -1;

    /// <summary>-1 unless the producer is idempotent or transactional.</summary>
    public long ProducerId { get; init; } = -1;

    public short ProducerEpoch { get; init; } = -1;

    public int BaseSequence { get; init; } = -1;

    public bool IsTransactional { get; init; }

    /// <summary>Only the broker writes control batches (see <see cref="ControlRecord"/>).</summary>
    public bool IsControl { get; init; }
}

/// <summary>
/// A key or value to append: bytes, or null — which Kafka keeps distinct from empty (a null value is a tombstone).
/// Converts implicitly from <c>ReadOnlySpan&lt;byte&gt;</c> (never null) and <c>byte[]?</c> (null stays null).
/// </summary>
public readonly ref struct RecordBytes
{
    private readonly bool _hasValue;

    public RecordBytes(ReadOnlySpan<byte> bytes)
    {
        Bytes = bytes;
        _hasValue = true;
    }

    public static RecordBytes Null => default;

    public ReadOnlySpan<byte> Bytes { get; }

    public bool IsNull => !_hasValue;

    public static implicit operator RecordBytes(ReadOnlySpan<byte> bytes) => new(bytes);

    public static implicit operator RecordBytes(byte[]? bytes) => bytes is null ? default : new(bytes);

    public static RecordBytes FromReadOnlySpan(ReadOnlySpan<byte> bytes) => new(bytes);

    public static RecordBytes FromByteArray(byte[]? bytes) => bytes;
}

/// <summary>A header to append: a key (UTF-8 on the wire, never null) and a value that may be null.</summary>
public readonly record struct RecordHeader
{
    /// <summary>A null <paramref name="value"/> stays null (unlike the implicit byte[] to memory conversion).</summary>
    public RecordHeader(string key, byte[]? value)
    {
        Key = key;
        Value = value;
        IsValueNull = value is null;
    }

    public RecordHeader(string key, ReadOnlyMemory<byte> value)
    {
        Key = key;
        Value = value;
    }

    public string Key { get; }

    public ReadOnlyMemory<byte> Value { get; }

    public bool IsValueNull { get; }
}
