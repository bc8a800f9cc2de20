using System.Globalization;
using Runnel.Broker.Configuration;
using Runnel.Broker.Quorum;
using Runnel.Broker.Topics;
using Runnel.Protocol;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Storage;

namespace Runnel.Broker.Groups;

/// <summary>
/// The coordinator's records as record batches in the internal, compacted topic __consumer_offsets, appended through
/// the hosted partition that leads them (clients may not produce to it) and read back partition by partition when this
/// node starts leading one. The topic is looked up on every use, so a deleted and re-created topic is served too.
/// </summary>
internal sealed class OffsetsTopicStore : IGroupStore
{
    public const string TopicName = "__consumer_offsets";

    private const int ReadChunkBytes = 1 << 20;
    private const int MaxUncompressedBytes = 64 << 20;

    private readonly BrokerConfig _config;
    private readonly TopicManager _topics;
    private readonly MetadataQuorum _quorum;
    private readonly TimeProvider _time;
    private readonly TimeSpan _commitTimeout;
    private readonly object _creationLock = new();
    private Task<(ErrorCode, string?)>? _creation;

    private OffsetsTopicStore(BrokerConfig config, TopicManager topics, MetadataQuorum quorum, TimeProvider time)
    {
        _config = config;
        _topics = topics;
        _quorum = quorum;
        _time = time;
        _commitTimeout = TimeSpan.FromMilliseconds(config.GetInt("offsets.commit.timeout.ms"));
    }

    /// <summary>The partition count groups are placed by: the topic's when the store opened, fixed from then on as Kafka fixes it.</summary>
    public int PartitionCount { get; private set; }

    /// <summary>
    /// Opens the store, first creating __consumer_offsets if it does not exist (an existing topic keeps its partition
    /// count, since groups were placed by it). Fails when the topic can be neither found nor created, or when another
    /// broker created it but it does not reach this node's metadata within 30 s.
    /// </summary>
    public static async Task<OffsetsTopicStore> OpenAsync(BrokerConfig config, TopicManager topics, MetadataQuorum quorum, TimeProvider time)
    {
        var store = new OffsetsTopicStore(config, topics, quorum, time);
        var (error, message) = await store.CreateIfMissingAsync().ConfigureAwait(false);
        if (error != ErrorCode.None)
            throw new InvalidOperationException($"Could not create {TopicName}: {message ?? error.ToString()}");
        // Another broker may have created it first: it is known here once this node's image holds it.
        var topic = topics.Find(TopicName) ?? await topics.WaitForTopicAsync(TopicName, TimeSpan.FromSeconds(30)).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{TopicName} did not appear in the metadata within 30 s.");
        store.PartitionCount = topic.PartitionCount;
        return store;
    }

    /// <summary>
    /// Creates __consumer_offsets unless it exists; concurrent callers share one creation. Its replication factor is
    /// offsets.topic.replication.factor capped by the brokers registered now (at least one), so a single node needs no
    /// configuration; Kafka does not cap it and refuses the creation instead. TOPIC_ALREADY_EXISTS (another broker was
    /// first) counts as success.
    /// </summary>
    public Task<(ErrorCode Error, string? Message)> CreateIfMissingAsync()
    {
        if (_topics.Find(TopicName) is not null)
            return Task.FromResult<(ErrorCode, string?)>((ErrorCode.None, null));
        lock (_creationLock)
        {
            if (_creation is null || _creation.IsCompleted)
                _creation = CreateAsync();
            return _creation;
        }
    }

    private async Task<(ErrorCode, string?)> CreateAsync()
    {
        var configs = new Dictionary<string, string>
        {
            [TopicConfigs.CleanupPolicy] = "compact",
            [TopicConfigs.SegmentBytes] = _config.GetInt("offsets.topic.segment.bytes").ToString(CultureInfo.InvariantCulture),
            [TopicConfigs.CompressionType] = "producer",
        };
        var registered = _quorum.Loader.Image.Cluster.Brokers.Count;
        var replicationFactor = (short)Math.Max(1, Math.Min(_config.GetInt("offsets.topic.replication.factor"), registered));
        var created = await _topics.CreateAsync(TopicName, _config.GetInt("offsets.topic.num.partitions"), replicationFactor, configs, validateOnly: false)
            .ConfigureAwait(false);
        return created.Succeeded || created.Error == ErrorCode.TopicAlreadyExists ? (ErrorCode.None, null) : (created.Error, created.Message);
    }

    public GroupAppend Append(int partition, IReadOnlyList<StoredRecord> records, long producerId = -1, short producerEpoch = -1)
    {
        if (_topics.Find(TopicName) is not { } topic || !topic.Exists(partition))
            return GroupAppend.Refused(ErrorCode.UnknownTopicOrPartition);
        if (topic.Partition(partition) is not { } hosted)
            return GroupAppend.Refused(ErrorCode.NotLeaderOrFollower);
        using var writer = new KafkaWriter(256);
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, new RecordBatchSettings
        {
            PartitionLeaderEpoch = hosted.LeaderEpoch,
            ProducerId = producerId,
            ProducerEpoch = producerId >= 0 ? producerEpoch : (short)-1,
            IsTransactional = producerId >= 0,
        });
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var record in records)
            builder.Append(now, record.Key, record.Value);
        builder.Finish();
        Partitions.AppendOutcome appended;
        try
        {
            appended = hosted.AppendInternal(writer.WrittenRegion(0, writer.Length));
        }
        catch (StorageException)
        {
            return GroupAppend.Refused(ErrorCode.KafkaStorageError);
        }
        return appended.Succeeded
            ? new GroupAppend(ErrorCode.None, WaitForReplicasAsync(hosted, appended.LastOffset), appended.FirstOffset)
            : GroupAppend.Refused(appended.Error);
    }

    /// <summary>
    /// As Kafka's group coordinator does, a write counts once the offsets topic's in-sync replicas have it (and, with
    /// runnel.acks.all.fsync, the leader's disk), within offsets.commit.timeout.ms.
    /// </summary>
    private async Task<ErrorCode> WaitForReplicasAsync(Partitions.Partition partition, long lastOffset)
    {
        var (error, _) = await partition.WaitForAcksAsync(lastOffset, _topics.Logs.Durability == DurabilityMode.GroupCommit, _commitTimeout,
            CancellationToken.None).ConfigureAwait(false);
        return error;
    }

    public async IAsyncEnumerable<StoredRecord> ReadAsync(int partition)
    {
        var log = (_topics.Find(TopicName)?.Partition(partition)
            ?? throw new StorageException(StorageErrorKind.Offline, $"{TopicName}-{partition} is not hosted here.")).Log;
        var end = log.LogEndOffset;
        var offset = log.LogStartOffset;
        using var scratch = new KafkaWriter();
        while (offset < end)
        {
            // One chunk per turn on the thread pool: a long replay never holds a thread for a whole partition.
            await Task.Yield();
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

    /// <summary>
    /// Decodes whole batches of <paramref name="chunk"/>: the keyed records of data batches, and the commit and abort
    /// markers of control batches (other control records are skipped), each with its offset and its batch's producer.
    /// Returns the offset after the last batch read.
    /// </summary>
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
            foreach (var record in RecordBatch.ReadRecords(batch, scratch, MaxUncompressedBytes))
            {
                ControlRecordType? control = null;
                if (header.IsControl)
                {
                    if (!ControlRecord.TryReadEndTransactionMarker(record, out var commit, out _))
                        continue;
                    control = commit ? ControlRecordType.Commit : ControlRecordType.Abort;
                }
                else if (record.IsKeyNull)
                {
                    continue;
                }
                records.Add(new StoredRecord(record.Key.ToArray(), record.IsValueNull ? null : record.Value.ToArray())
                {
                    Offset = record.Offset,
                    ProducerId = header.ProducerId,
                    Control = control,
                });
            }
        }
        if (position == 0)
            throw new StorageException(StorageErrorKind.InvalidBatch, $"{TopicName}: unreadable batch at offset {offset}.");
        return offset;
    }
}
