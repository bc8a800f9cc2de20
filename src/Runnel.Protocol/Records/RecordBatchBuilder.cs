using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Runnel.Protocol.Compression;
using Runnel.Protocol.Primitives;

namespace Runnel.Protocol.Records;

/// <summary>
/// Builds magic 2 batches into a <see cref="KafkaWriter"/>: <see cref="Begin"/>, <see cref="Append"/> per record,
/// <see cref="Finish"/> to write the header, compress and checksum. Uncompressed records go straight to the
/// destination; compressed ones collect in a scratch buffer the builder keeps, so a reused builder allocates
/// nothing per record or per batch. Not thread-safe.
/// </summary>
public sealed class RecordBatchBuilder : IDisposable
{
    private KafkaWriter? _destination;
    private KafkaWriter? _scratch;
    private RecordBatchSettings _settings;
    private int _start;
    private int _count;
    private long _baseTimestamp;
    private long _maxTimestamp;

    public bool IsOpen => _destination is not null;

    public int RecordCount => _count;

    /// <summary>Uncompressed bytes so far, header included: what a producer compares with batch.size.</summary>
    public int UncompressedSize => _destination is null ? 0
        : RecordBatchHeader.Size + (_settings.Compression == CompressionType.None ? _destination.Length - _start - RecordBatchHeader.Size : _scratch!.Length);

    public void Begin(KafkaWriter destination, in RecordBatchSettings settings)
    {
        if (_destination is not null)
            throw new InvalidOperationException("Finish the current batch before beginning another.");
        _destination = destination;
        _settings = settings;
        _start = destination.Length;
        _count = 0;
        _baseTimestamp = 0;
        _maxTimestamp = -1;
        destination.GetSpan(RecordBatchHeader.Size)[..RecordBatchHeader.Size].Clear();
        destination.Advance(RecordBatchHeader.Size);
        if (settings.Compression != CompressionType.None)
        {
            _scratch ??= new KafkaWriter();
            _scratch.Reset();
        }
    }

    /// <param name="timestamp">Milliseconds since the epoch, or -1 for none.</param>
    public void Append(long timestamp, RecordBytes key, RecordBytes value, ReadOnlySpan<RecordHeader> headers = default)
    {
        var writer = (_settings.Compression == CompressionType.None ? _destination : _scratch)
            ?? throw new InvalidOperationException("Begin a batch before appending records.");
        ArgumentOutOfRangeException.ThrowIfLessThan(timestamp, -1);
        if (_count == 0)
            _baseTimestamp = timestamp;
        var timestampDelta = timestamp - _baseTimestamp;

        var bodySize = 1 + VarInt.SizeOfSigned(timestampDelta) + VarInt.SizeOfSigned(_count)
            + SizeOf(key) + SizeOf(value) + VarInt.SizeOfSigned(headers.Length);
        foreach (var header in headers)
        {
            var keyLength = Encoding.UTF8.GetByteCount(header.Key);
            bodySize += VarInt.SizeOfSigned(keyLength) + keyLength + SizeOf(header.IsValueNull, header.Value.Length);
        }
        var total = VarInt.SizeOfSigned(bodySize) + bodySize;

        var span = writer.GetSpan(total);
        var p = VarInt.WriteUnsigned(span, VarInt.ZigZag(bodySize));
        span[p++] = 0;
        p += VarInt.WriteUnsigned(span[p..], VarInt.ZigZag(timestampDelta));
        p += VarInt.WriteUnsigned(span[p..], VarInt.ZigZag(_count));
        p += Write(span[p..], key.IsNull, key.Bytes);
        p += Write(span[p..], value.IsNull, value.Bytes);
        p += VarInt.WriteUnsigned(span[p..], VarInt.ZigZag(headers.Length));
        foreach (var header in headers)
        {
            var keyLength = Encoding.UTF8.GetByteCount(header.Key);
            p += VarInt.WriteUnsigned(span[p..], VarInt.ZigZag(keyLength));
            p += Encoding.UTF8.GetBytes(header.Key, span[p..]);
            p += Write(span[p..], header.IsValueNull, header.Value.Span);
        }
        Debug.Assert(p == total, "record size computed and written differ");
        writer.Advance(total);

        _count++;
        if (timestamp > _maxTimestamp)
            _maxTimestamp = timestamp;
    }

    /// <summary>Compresses, writes the header and CRC, and returns the batch's size in bytes.</summary>
    public int Finish()
    {
        var destination = _destination ?? throw new InvalidOperationException("No batch is open.");
        if (_count == 0)
            throw new InvalidOperationException("A record batch needs at least one record.");
        var settings = _settings;
        if (settings.Compression != CompressionType.None)
            CompressionCodecs.Compress(settings.Compression, _scratch!.WrittenSpan, destination);
        var size = destination.Length - _start;

        var header = destination.WrittenRegion(_start, RecordBatchHeader.Size);
        var logAppendTime = settings.TimestampType == TimestampType.LogAppendTime;
        var attributes = (int)settings.Compression
            | (logAppendTime ? RecordBatch.TimestampTypeMask : 0)
            | (settings.IsTransactional ? RecordBatch.TransactionalMask : 0)
            | (settings.IsControl ? RecordBatch.ControlMask : 0);
        BinaryPrimitives.WriteInt64BigEndian(header, settings.BaseOffset);
        BinaryPrimitives.WriteInt32BigEndian(header[RecordBatchHeader.BatchLengthOffset..], size - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(header[RecordBatchHeader.PartitionLeaderEpochOffset..], settings.PartitionLeaderEpoch);
        header[RecordBatchHeader.MagicOffset] = (byte)RecordBatch.CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(header[RecordBatchHeader.AttributesOffset..], (short)attributes);
        BinaryPrimitives.WriteInt32BigEndian(header[RecordBatchHeader.LastOffsetDeltaOffset..], _count - 1);
        BinaryPrimitives.WriteInt64BigEndian(header[RecordBatchHeader.BaseTimestampOffset..], _baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(header[RecordBatchHeader.MaxTimestampOffset..], logAppendTime ? settings.LogAppendTime : _maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(header[RecordBatchHeader.ProducerIdOffset..], settings.ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(header[RecordBatchHeader.ProducerEpochOffset..], settings.ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(header[RecordBatchHeader.BaseSequenceOffset..], settings.BaseSequence);
        BinaryPrimitives.WriteInt32BigEndian(header[RecordBatchHeader.RecordCountOffset..], _count);
        var crc = Crc32C.Compute(destination.WrittenRegion(_start + RecordBatchHeader.AttributesOffset, size - RecordBatchHeader.AttributesOffset));
        BinaryPrimitives.WriteUInt32BigEndian(header[RecordBatchHeader.CrcOffset..], crc);

        _destination = null;
        return size;
    }

    public void Dispose()
    {
        _scratch?.Dispose();
        _scratch = null;
        _destination = null;
    }

    private static int SizeOf(RecordBytes bytes) => SizeOf(bytes.IsNull, bytes.Bytes.Length);

    private static int SizeOf(bool isNull, int length) => isNull ? 1 : VarInt.SizeOfSigned(length) + length;

    private static int Write(Span<byte> destination, bool isNull, ReadOnlySpan<byte> bytes)
    {
        if (isNull)
        {
            destination[0] = 1; // zigzag(-1)
            return 1;
        }
        var p = VarInt.WriteUnsigned(destination, VarInt.ZigZag(bytes.Length));
        bytes.CopyTo(destination[p..]);
        return p + bytes.Length;
    }
}
