using System.Buffers.Binary;
using Runnel.Protocol.Records;

namespace Runnel.Raft.Log;

/// <summary>The header fields of one record batch that the Raft log needs, read in place.</summary>
public readonly record struct BatchInfo(long BaseOffset, long LastOffset, int Epoch, int Size, bool IsControl);

/// <summary>Walks whole batches in a buffer, checking only what keeps the walk safe (lengths and magic).</summary>
public static class BatchHeaders
{
    /// <summary>The batches in <paramref name="buffer"/>; throws <see cref="InvalidDataException"/> at the first malformed one.</summary>
    public static List<BatchInfo> Walk(ReadOnlySpan<byte> buffer)
    {
        var batches = new List<BatchInfo>();
        for (var position = 0; position < buffer.Length;)
        {
            var info = Read(buffer[position..]) ?? throw new InvalidDataException($"Malformed record batch at byte {position} of {buffer.Length}.");
            batches.Add(info);
            position += info.Size;
        }
        return batches;
    }

    /// <summary>The batch at the start of <paramref name="batch"/>, or null when it is not a whole magic 2 batch.</summary>
    public static BatchInfo? Read(ReadOnlySpan<byte> batch)
    {
        if (batch.Length < RecordBatchHeader.Size || !RecordBatch.TryGetSize(batch, out var size) || size > batch.Length
            || (sbyte)batch[RecordBatchHeader.MagicOffset] != RecordBatch.CurrentMagic)
            return null;
        var baseOffset = BinaryPrimitives.ReadInt64BigEndian(batch);
        var lastDelta = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.LastOffsetDeltaOffset..]);
        if (baseOffset < 0 || lastDelta < 0)
            return null;
        var epoch = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatchHeader.PartitionLeaderEpochOffset..]);
        var attributes = BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..]);
        return new BatchInfo(baseOffset, baseOffset + lastDelta, epoch, size, (attributes & 0x20) != 0);
    }

    /// <summary>True when the CRC-32C stored in the batch matches its bytes.</summary>
    public static bool IsIntact(ReadOnlySpan<byte> batch)
        => BinaryPrimitives.ReadUInt32BigEndian(batch[RecordBatchHeader.CrcOffset..]) == RecordBatch.ComputeCrc(batch);
}
