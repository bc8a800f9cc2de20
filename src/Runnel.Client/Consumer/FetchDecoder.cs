using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;

namespace Runnel.Client.Consumer;

/// <summary>
/// Turns one partition's fetched bytes into records. The bytes hold whole batches and possibly a cut-off last one
/// (the broker stops at the size limit), which is left for the next fetch. A batch can start before the position
/// asked for (the broker sends whole batches), so earlier records are skipped. Control batches (transaction
/// markers) yield nothing but still move the position past them.
/// </summary>
internal static class FetchDecoder
{
    private const int MaxUncompressedBatchBytes = 256 * 1024 * 1024;

    /// <summary>Appends the records at or after <paramref name="position"/> and returns the position after them.</summary>
    public static long Decode(string topic, int partition, ReadOnlySpan<byte> bytes, long position, bool checkCrcs, KafkaWriter scratch, List<ConsumeResult> output)
    {
        while (bytes.Length >= RecordBatchHeader.LogOverhead)
        {
            if (!RecordBatch.TryGetSize(bytes, out var size) || size > bytes.Length)
                break;
            var batch = bytes[..size];
            bytes = bytes[size..];
            if (batch.Length < RecordBatchHeader.Size || (sbyte)batch[RecordBatchHeader.MagicOffset] != RecordBatch.CurrentMagic)
            {
                var magic = batch.Length > RecordBatchHeader.MagicOffset ? (sbyte)batch[RecordBatchHeader.MagicOffset] : -1;
                throw new RunnelException($"{topic}-{partition} holds a message set of format v{magic}; this client reads only v2 record batches.");
            }
            RecordBatchHeader.TryRead(batch, out var header);
            if (checkCrcs && RecordBatch.ComputeCrc(batch) != header.Crc)
                throw new RunnelException($"{topic}-{partition}: the batch at offset {header.BaseOffset} fails its CRC check.");
            if (header.LastOffset < position)
                continue;
            if (!header.IsControl)
            {
                var timestampType = header.IsLogAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime;
                var records = RecordBatch.ReadRecords(batch, scratch, MaxUncompressedBatchBytes);
                // MoveNext on this variable, not foreach (which walks a copy), so its Error reflects what was read.
                while (records.MoveNext())
                {
                    if (records.Current.Offset >= position)
                        output.Add(Materialize(topic, partition, records.Current, timestampType));
                }
                if (records.ErrorMessage is { } problem)
                    throw new RunnelException($"{topic}-{partition}: the batch at offset {header.BaseOffset} is unreadable: {problem}");
            }
            position = Math.Max(position, header.LastOffset + 1);
        }
        return position;
    }

    private static ConsumeResult Materialize(string topic, int partition, RecordView record, TimestampType timestampType)
    {
        List<MessageHeader>? headers = null;
        foreach (var header in record.Headers)
            (headers ??= []).Add(new MessageHeader(System.Text.Encoding.UTF8.GetString(header.Key), header.IsValueNull ? null : header.Value.ToArray()));
        return new ConsumeResult
        {
            Topic = topic,
            Partition = partition,
            Offset = record.Offset,
            Timestamp = record.Timestamp,
            TimestampType = timestampType,
            Key = record.IsKeyNull ? null : record.Key.ToArray(),
            Value = record.IsValueNull ? null : record.Value.ToArray(),
            Headers = (IReadOnlyList<MessageHeader>?)headers ?? [],
        };
    }
}
