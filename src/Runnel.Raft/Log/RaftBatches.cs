using System.Buffers.Binary;
using Runnel.Protocol.Messages;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Raft.Log;

/// <summary>
/// Builds the batches the leader appends: data batches of opaque records (values; no keys), and the control batch
/// that opens every epoch, a LeaderChangeMessage naming the leader and the voters that elected it. Control records
/// carry Kafka's key (int16 version 0, int16 type) and the message as value (version 0).
/// </summary>
public static class RaftBatches
{
    public static byte[] Data(long baseOffset, int epoch, long timestamp, IReadOnlyList<ReadOnlyMemory<byte>> values)
    {
        if (values.Count == 0)
            throw new ArgumentException("A batch needs at least one record.", nameof(values));
        using var writer = new KafkaWriter(values.Sum(v => v.Length + 16) + RecordBatchHeader.Size);
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, new RecordBatchSettings { BaseOffset = baseOffset, PartitionLeaderEpoch = epoch });
        foreach (var value in values)
            builder.Append(timestamp, RecordBytes.Null, value.Span);
        builder.Finish();
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] LeaderChange(long baseOffset, int epoch, long timestamp, int leader, IEnumerable<int> voters, IEnumerable<int> granting)
    {
        var message = new LeaderChangeMessage
        {
            LeaderId = leader,
            Voters = [.. voters.Select(v => new LeaderChangeMessage.Voter { VoterId = v })],
            GrantingVoters = [.. granting.Select(v => new LeaderChangeMessage.Voter { VoterId = v })],
        };
        return Control(baseOffset, epoch, timestamp, ControlRecordType.LeaderChange, message);
    }

    public static byte[] Control(long baseOffset, int epoch, long timestamp, ControlRecordType type, IKafkaMessage message)
    {
        using var value = new KafkaWriter(256);
        message.Write(value, 0);
        Span<byte> key = stackalloc byte[ControlRecord.KeySize];
        BinaryPrimitives.WriteInt16BigEndian(key, 0);
        BinaryPrimitives.WriteInt16BigEndian(key[2..], (short)type);
        using var writer = new KafkaWriter(value.Length + RecordBatchHeader.Size + 32);
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, new RecordBatchSettings { BaseOffset = baseOffset, PartitionLeaderEpoch = epoch, IsControl = true });
        builder.Append(timestamp, key, value.WrittenSpan);
        builder.Finish();
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The values of a data batch's records, copied out.</summary>
    public static List<byte[]> Values(ReadOnlySpan<byte> batch)
    {
        var values = new List<byte[]>();
        var records = RecordBatch.ReadRecords(batch);
        while (records.MoveNext())
            values.Add(records.Current.Value.ToArray());
        if (records.Error != RecordBatchError.None)
            throw new InvalidDataException($"Unreadable batch: {records.ErrorMessage}");
        return values;
    }
}
