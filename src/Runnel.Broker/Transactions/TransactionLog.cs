using Runnel.Broker.Groups;
using Runnel.Protocol.Primitives;
using Runnel.Storage;

namespace Runnel.Broker.Transactions;

/// <summary>
/// The records of __transaction_state in Kafka's own format (TransactionLogKey / TransactionLogValue), so Kafka's tools
/// read the topic: key = int16 version 0 + transactional id; value = version 0 (we write 0; reading accepts the
/// flexible version 1 too, whose tagged fields carry the previous producer id) with producer id, epoch, timeout,
/// state, the partitions (null when none), and the last-update and start times. A null value (tombstone) removes the
/// transactional id.
/// </summary>
internal static class TransactionLog
{
    private const short KeyVersion = 0;
    private const short ValueVersion = 0;

    public static StoredRecord Record(string transactionalId, TransactionSnapshot? value)
    {
        using var key = new KafkaWriter(32);
        key.WriteInt16(KeyVersion);
        key.WriteString(transactionalId, compact: false, nullable: false);
        return new StoredRecord(key.WrittenSpan.ToArray(), value is null ? null : Value(value));
    }

    private static byte[] Value(TransactionSnapshot value)
    {
        using var writer = new KafkaWriter(64);
        writer.WriteInt16(ValueVersion);
        writer.WriteInt64(value.ProducerId);
        writer.WriteInt16(value.ProducerEpoch);
        writer.WriteInt32(value.TimeoutMs);
        writer.WriteInt8((sbyte)value.State);
        if (value.Partitions.Count == 0)
        {
            writer.WriteArrayLength(-1, compact: false, nullable: true);
        }
        else
        {
            var byTopic = value.Partitions.GroupBy(p => p.Topic).ToList();
            writer.WriteArrayLength(byTopic.Count, compact: false, nullable: true);
            foreach (var topic in byTopic)
            {
                writer.WriteString(topic.Key, compact: false, nullable: false);
                var partitions = topic.Select(p => p.Partition).Order().ToList();
                writer.WriteArrayLength(partitions.Count, compact: false, nullable: false);
                foreach (var partition in partitions)
                    writer.WriteInt32(partition);
            }
        }
        writer.WriteInt64(value.LastUpdateTimestampMs);
        writer.WriteInt64(value.StartTimestampMs);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes a record: the transactional id and its state (null for a tombstone). False with a
    /// <paramref name="failure"/> for bytes that are not a transaction-log record.
    /// </summary>
    public static bool TryRead(byte[] key, byte[]? value, out string transactionalId, out TransactionSnapshot? snapshot, out string? failure)
    {
        snapshot = null;
        var keyReader = new KafkaReader(key);
        var keyVersion = keyReader.ReadInt16();
        transactionalId = keyReader.ReadString(compact: false);
        if (keyVersion != KeyVersion)
            keyReader.Fail($"unknown key version {keyVersion}");
        if (keyReader.Failed)
        {
            failure = keyReader.Failure;
            return false;
        }
        failure = null;
        if (value is null)
            return true;
        var reader = new KafkaReader(value);
        var version = reader.ReadInt16();
        var flexible = version >= 1;
        var producerId = reader.ReadInt64();
        var epoch = reader.ReadInt16();
        var timeoutMs = reader.ReadInt32();
        var state = (TransactionState)reader.ReadInt8();
        var partitions = new HashSet<TopicPartition>();
        var topics = reader.ReadArrayLength(flexible, nullable: true, minElementSize: 2);
        for (var t = 0; t < topics && !reader.Failed; t++)
        {
            var topic = reader.ReadString(flexible);
            var count = reader.ReadArrayLength(flexible, nullable: false, minElementSize: 4);
            for (var p = 0; p < count && !reader.Failed; p++)
                partitions.Add(new TopicPartition(topic, reader.ReadInt32()));
            if (flexible)
                reader.ReadUnknownTaggedFields();
        }
        var lastUpdate = reader.ReadInt64();
        var start = reader.ReadInt64();
        var previousProducerId = -1L;
        if (flexible)
        {
            var tagged = reader.ReadTaggedFieldCount();
            for (var i = 0; i < tagged && !reader.Failed; i++)
            {
                var tag = reader.ReadUnsignedVarInt();
                var end = reader.BeginTaggedField();
                if (tag == 0)
                    previousProducerId = reader.ReadInt64();
                reader.EndTaggedField(end);
            }
        }
        if (version is < 0 or > 1)
            reader.Fail($"unknown value version {version}");
        if (!Enum.IsDefined(state))
            reader.Fail($"unknown transaction state {(sbyte)state}");
        if (reader.Failed)
        {
            failure = reader.Failure;
            return false;
        }
        snapshot = new TransactionSnapshot(producerId, previousProducerId, epoch, TransactionSnapshot.NoEpoch, timeoutMs, state, partitions, start, lastUpdate);
        return true;
    }
}
