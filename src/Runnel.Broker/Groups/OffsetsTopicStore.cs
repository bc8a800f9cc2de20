using System.Globalization;
using Runnel.Broker.Configuration;
using Runnel.Broker.Topics;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Storage;

namespace Runnel.Broker.Groups;

/// <summary>
/// The coordinator's records as record batches in the internal, compacted topic __consumer_offsets, written
/// straight to the partition logs (clients may not produce to it) and read back in full at start-up.
/// </summary>
internal sealed class OffsetsTopicStore : IGroupStore
{
    public const string TopicName = "__consumer_offsets";

    private const int ReadChunkBytes = 1 << 20;
    private const int MaxUncompressedBytes = 64 << 20;

    private readonly TopicManager _topics;
    private readonly TopicState _topic;
    private readonly TimeProvider _time;
    private readonly TimeSpan _commitTimeout;

    private OffsetsTopicStore(TopicManager topics, TopicState topic, TimeProvider time, TimeSpan commitTimeout)
    {
        _topics = topics;
        _topic = topic;
        _time = time;
        _commitTimeout = commitTimeout;
    }

    public int PartitionCount => _topic.PartitionCount;

    /// <summary>
    /// Opens __consumer_offsets, creating it on first start with offsets.topic.num.partitions partitions. An
    /// existing topic keeps its partition count, since groups were placed by it.
    /// </summary>
    public static OffsetsTopicStore Open(BrokerConfig config, TopicManager topics, TimeProvider time)
    {
        if (topics.Find(TopicName) is null)
        {
            var configs = new Dictionary<string, string>
            {
                [TopicConfigs.CleanupPolicy] = "compact",
                [TopicConfigs.SegmentBytes] = config.GetInt("offsets.topic.segment.bytes").ToString(CultureInfo.InvariantCulture),
                [TopicConfigs.CompressionType] = "producer",
            };
            // Start-up waits here for the metadata quorum to commit the topic (a lone voter does so in milliseconds).
            var created = topics.CreateAsync(TopicName, config.GetInt("offsets.topic.num.partitions"), 1, configs, validateOnly: false).GetAwaiter().GetResult();
            if (!created.Succeeded && created.Error != Protocol.ErrorCode.TopicAlreadyExists)
                throw new InvalidOperationException($"Could not create {TopicName}: {created.Message}");
        }
        // Another broker may have created it first: it is served here once this node's image holds it.
        var topic = topics.Find(TopicName) ?? (topics.WaitForTopicAsync(TopicName, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException($"{TopicName} did not appear in the metadata within 30 s."));
        return new OffsetsTopicStore(topics, topic, time, TimeSpan.FromMilliseconds(config.GetInt("offsets.commit.timeout.ms")));
    }

    public Task Append(int partition, IReadOnlyList<StoredRecord> records)
    {
        var state = _topic.Partition(partition) ?? throw new StorageException(StorageErrorKind.Offline, $"{TopicName}-{partition} is not hosted here.");
        using var writer = new KafkaWriter(256);
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, new RecordBatchSettings { PartitionLeaderEpoch = state.LeaderEpoch });
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var record in records)
            builder.Append(now, record.Key, record.Value);
        builder.Finish();
        var appended = state.AppendInternal(writer.WrittenRegion(0, writer.Length));
        if (!appended.Succeeded)
            throw new StorageException(StorageErrorKind.Offline, appended.Message ?? $"{TopicName}-{partition}: {appended.Error}");
        return WaitForReplicasAsync(state, appended.LastOffset);
    }

    /// <summary>
    /// As Kafka's group coordinator does, a write counts once the offsets topic's in-sync replicas have it (and, with
    /// runnel.acks.all.fsync, the leader's disk), within offsets.commit.timeout.ms.
    /// </summary>
    private async Task WaitForReplicasAsync(Partitions.Partition partition, long lastOffset)
    {
        var (error, message) = await partition.WaitForAcksAsync(lastOffset, _topics.Logs.Durability == DurabilityMode.GroupCommit, _commitTimeout,
            CancellationToken.None).ConfigureAwait(false);
        if (error != Protocol.ErrorCode.None)
            throw new StorageException(StorageErrorKind.IoError, message ?? error.ToString());
    }

    public IEnumerable<StoredRecord> ReadAll()
    {
        using var scratch = new KafkaWriter();
        foreach (var partition in _topic.Hosted)
        {
            var log = partition.Log;
            var offset = log.LogStartOffset;
            while (offset < log.LogEndOffset)
            {
                byte[] chunk;
                using (var read = log.Read(offset, ReadChunkBytes))
                {
                    if (read.IsEmpty)
                        break;
                    chunk = new byte[read.Length];
                    read.CopyTo(chunk);
                }
                var records = new List<StoredRecord>();
                offset = ReadBatches(chunk, offset, scratch, records);
                foreach (var record in records)
                    yield return record;
            }
        }
    }

    /// <summary>Decodes whole batches of <paramref name="chunk"/>; returns the offset after the last one read.</summary>
    private static long ReadBatches(byte[] chunk, long offset, KafkaWriter scratch, List<StoredRecord> records)
    {
        var position = 0;
        while (RecordBatchHeader.TryRead(chunk.AsSpan(position), out var header) && position + header.TotalSize <= chunk.Length)
        {
            var batch = chunk.AsSpan(position, header.TotalSize);
            position += header.TotalSize;
            if (header.LastOffset < offset)
                continue;
            offset = header.LastOffset + 1;
            if (header.IsControl)
                continue;
            foreach (var record in RecordBatch.ReadRecords(batch, scratch, MaxUncompressedBytes))
            {
                if (!record.IsKeyNull)
                    records.Add(new StoredRecord(record.Key.ToArray(), record.IsValueNull ? null : record.Value.ToArray()));
            }
        }
        if (position == 0)
            throw new StorageException(StorageErrorKind.InvalidBatch, $"{TopicName}: unreadable batch at offset {offset}.");
        return offset;
    }
}
