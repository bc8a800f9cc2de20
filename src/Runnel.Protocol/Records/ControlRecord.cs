using System.Buffers.Binary;
using Runnel.Protocol.Primitives;

namespace Runnel.Protocol.Records;

/// <summary>The type in a control record's key (ControlRecordType.java); unknown types are skipped by readers.</summary>
public enum ControlRecordType : short
{
    Abort = 0,
    Commit = 1,
    LeaderChange = 2,
    SnapshotHeader = 3,
    SnapshotFooter = 4,
    KRaftVersion = 5,
    KRaftVoters = 6,
}

/// <summary>
/// Control records, which only the broker writes: key = int16 version (0) + int16 type; for the end-transaction
/// markers (commit, abort) value = int16 version (0) + int32 coordinator epoch (EndTransactionMarker.java).
/// </summary>
public static class ControlRecord
{
    public const int KeySize = 4;
    public const int EndTransactionMarkerValueSize = 6;

    /// <summary>Reads the type from a control record's key; false when the key is short or its version negative.</summary>
    public static bool TryReadType(ReadOnlySpan<byte> key, out ControlRecordType type)
    {
        type = default;
        if (key.Length < KeySize || BinaryPrimitives.ReadInt16BigEndian(key) < 0)
            return false;
        type = (ControlRecordType)BinaryPrimitives.ReadInt16BigEndian(key[2..]);
        return true;
    }

    /// <summary>Reads a commit or abort marker; false for other control records or malformed ones.</summary>
    public static bool TryReadEndTransactionMarker(in RecordView record, out bool commit, out int coordinatorEpoch)
    {
        commit = false;
        coordinatorEpoch = 0;
        if (!TryReadType(record.Key, out var type) || type is not (ControlRecordType.Commit or ControlRecordType.Abort))
            return false;
        var value = record.Value;
        if (value.Length < EndTransactionMarkerValueSize || BinaryPrimitives.ReadInt16BigEndian(value) < 0)
            return false;
        commit = type == ControlRecordType.Commit;
        coordinatorEpoch = BinaryPrimitives.ReadInt32BigEndian(value[2..]);
        return true;
    }

    /// <summary>
    /// Reads the end-transaction marker of a whole control batch (its first record, as Kafka's ProducerAppendInfo
    /// does); false when the batch is not a control batch, holds no record (compaction emptied it) or its first record
    /// is not a commit or abort marker.
    /// </summary>
    public static bool TryReadBatchMarker(ReadOnlySpan<byte> batch, out bool commit, out int coordinatorEpoch)
    {
        commit = false;
        coordinatorEpoch = 0;
        if (!RecordBatchHeader.TryRead(batch, out var header) || !header.IsControl || header.TotalSize > batch.Length)
            return false;
        var records = RecordBatch.ReadRecords(batch[..header.TotalSize]);
        return records.MoveNext() && TryReadEndTransactionMarker(records.Current, out commit, out coordinatorEpoch);
    }

    /// <summary>
    /// Writes a one-record control batch marking the end of a producer's transaction on this partition, as the
    /// transaction coordinator asks (WriteTxnMarkers). Kafka writes it transactional, without sequence, CreateTime.
    /// </summary>
    /// <returns>The batch's size in bytes.</returns>
    public static int WriteEndTransactionMarker(
        KafkaWriter destination, bool commit, int coordinatorEpoch, long producerId, short producerEpoch, long timestamp,
        long baseOffset = 0, int partitionLeaderEpoch = -1)
    {
        Span<byte> key = stackalloc byte[KeySize];
        BinaryPrimitives.WriteInt16BigEndian(key, 0);
        BinaryPrimitives.WriteInt16BigEndian(key[2..], (short)(commit ? ControlRecordType.Commit : ControlRecordType.Abort));
        Span<byte> value = stackalloc byte[EndTransactionMarkerValueSize];
        BinaryPrimitives.WriteInt16BigEndian(value, 0);
        BinaryPrimitives.WriteInt32BigEndian(value[2..], coordinatorEpoch);

        using var builder = new RecordBatchBuilder();
        builder.Begin(destination, new RecordBatchSettings
        {
            BaseOffset = baseOffset,
            PartitionLeaderEpoch = partitionLeaderEpoch,
            ProducerId = producerId,
            ProducerEpoch = producerEpoch,
            IsTransactional = true,
            IsControl = true,
        });
        builder.Append(timestamp, key, value);
        return builder.Finish();
    }

    /// <summary>What is wrong with a record of a control batch, or <see cref="ProblemKind.None"/>.</summary>
    internal static ProblemKind Check(in RecordView record, bool transactional)
    {
        if (!TryReadType(record.Key, out var type))
            return ProblemKind.ControlKey;
        if (type is not (ControlRecordType.Commit or ControlRecordType.Abort))
            return ProblemKind.None;
        if (!transactional)
            return ProblemKind.MarkerOutsideTransaction;
        return TryReadEndTransactionMarker(record, out _, out _) ? ProblemKind.None : ProblemKind.MarkerValue;
    }
}
