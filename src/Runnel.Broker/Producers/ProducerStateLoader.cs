using Runnel.Protocol.Records;
using Runnel.Storage;

namespace Runnel.Broker.Producers;

/// <summary>
/// Rebuilds a partition's producer state (epochs, sequences, coordinator epochs) from the tail of its log, the first time an idempotent batch arrives after
/// a start (or a truncation). Kafka keeps producer-state snapshots instead; replaying the newest records covers every
/// producer that wrote recently, and a producer older than that is accepted as unknown (see
/// <see cref="ProducerStateTable"/>).
/// </summary>
internal static class ProducerStateLoader
{
    /// <summary>How far back (in offsets) start-up looks for producers' last batches.</summary>
    public const long ReplayWindow = 200_000;

    public static ProducerStateTable Load(PartitionLog log)
    {
        var table = new ProducerStateTable();
        var offset = Math.Max(log.LogStartOffset, log.LogEndOffset - ReplayWindow);
        while (offset < log.LogEndOffset)
        {
            using var read = log.Read(offset, 4 << 20, minOneBatch: true);
            if (read.IsEmpty)
                break;
            using var memory = read.ToPooledMemory();
            var next = Replay(table, memory.Memory.Span[..read.Length]);
            if (next <= offset)
                break;
            offset = next;
        }
        return table;
    }

    /// <summary>
    /// Records every producer batch among whole <paramref name="batches"/> (data batches' epochs and sequences, markers'
    /// epochs and coordinator epochs); returns the offset after the last batch.
    /// </summary>
    public static long Replay(ProducerStateTable table, ReadOnlySpan<byte> batches)
    {
        var next = -1L;
        while (RecordBatchHeader.TryRead(batches, out var header) && header.TotalSize <= batches.Length && header.TotalSize > 0)
        {
            if (header.ProducerId >= 0 && !header.IsControl)
            {
                var last = header.BaseSequence < 0 ? -1 : (int)(((long)header.BaseSequence + header.LastOffsetDelta) % ((long)int.MaxValue + 1));
                table.Record(new ProducerBatch(header.ProducerId, header.ProducerEpoch, header.BaseSequence, last), header.BaseOffset);
            }
            else if (header.ProducerId >= 0 && ControlRecord.TryReadBatchMarker(batches, out _, out var coordinatorEpoch))
            {
                table.RecordMarker(header.ProducerId, header.ProducerEpoch, coordinatorEpoch);
            }
            next = header.LastOffset + 1;
            batches = batches[header.TotalSize..];
        }
        return next;
    }
}
