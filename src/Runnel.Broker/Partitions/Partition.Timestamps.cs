using System.Buffers;
using System.Buffers.Binary;
using Runnel.Protocol.Records;
using Runnel.Storage;

namespace Runnel.Broker.Partitions;

/// <summary>Record times for the consumer lag in seconds.</summary>
internal sealed partial class Partition
{
    /// <summary>
    /// The timestamp (ms) of the batch holding <paramref name="offset"/>, below the high watermark: its first record's
    /// (CreateTime) or the broker's append time (LogAppendTime). Null when there is no such record here or it cannot
    /// be read. Copies one batch; meant for a scrape, not for a request path.
    /// </summary>
    public long? BatchTimestampAt(long offset)
    {
        LogReadResult result;
        try
        {
            result = Log.Read(offset, 1, HighWatermark, minOneBatch: true);
        }
        catch (StorageException)
        {
            return null;
        }
        using (result)
        {
            if (result.Length < RecordBatchHeader.Size)
                return null;
            var buffer = ArrayPool<byte>.Shared.Rent(result.Length);
            try
            {
                result.CopyTo(buffer);
                var header = buffer.AsSpan(0, RecordBatchHeader.Size);
                var logAppendTime = (header[RecordBatchHeader.AttributesOffset + 1] & 0x08) != 0;
                return BinaryPrimitives.ReadInt64BigEndian(header[(logAppendTime ? RecordBatchHeader.MaxTimestampOffset : RecordBatchHeader.BaseTimestampOffset)..]);
            }
            catch (StorageException)
            {
                return null;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
