using System.Globalization;
using Runnel.Broker.Configuration;
using Runnel.Broker.Groups;
using Runnel.Broker.Quorum;
using Runnel.Protocol;
using Runnel.Protocol.Primitives;
using Runnel.Protocol.Records;
using Runnel.Storage;

namespace Runnel.Broker.Topics;

/// <summary>
/// An internal, compacted topic a coordinator keeps its state in, and the broker configs that shape it: its partition
/// count, replication factor (capped by the registered brokers), segment size, min.insync.replicas (null: the broker
/// default), compression, and how long an append waits for the in-sync replicas (a config, else 30 s, Kafka's
/// request.timeout.ms default).
/// </summary>
internal sealed record CoordinatorTopic(string Name, string PartitionsKey, string ReplicationKey, string SegmentBytesKey, string? MinIsrKey,
    string Compression, string? AppendTimeoutKey)
{
    /// <summary>__consumer_offsets as Kafka's group coordinator creates it; commits wait up to offsets.commit.timeout.ms.</summary>
    public static readonly CoordinatorTopic Offsets = new(OffsetsTopicStore.TopicName, "offsets.topic.num.partitions", "offsets.topic.replication.factor",
        "offsets.topic.segment.bytes", null, "producer", "offsets.commit.timeout.ms");

    /// <summary>__transaction_state as Kafka's TransactionStateManager creates it.</summary>
    public static readonly CoordinatorTopic TransactionState = new(Transactions.TransactionCoordinator.TopicName, "transaction.state.log.num.partitions",
        "transaction.state.log.replication.factor", "transaction.state.log.segment.bytes", "transaction.state.log.min.isr", "uncompressed", null);

    public TimeSpan AppendTimeout(BrokerConfig config)
        => AppendTimeoutKey is { } key ? TimeSpan.FromMilliseconds(config.GetInt(key)) : TimeSpan.FromSeconds(30);
}

/// <summary>
/// A coordinator's records as record batches in an internal topic (<see cref="CoordinatorTopic"/>: __consumer_offsets,
/// __transaction_state), appended through the hosted partition that leads them (clients may not produce to it) and read
/// back partition by partition when this node starts leading one. The topic is looked up on every use, so it may be
/// created after the store (on first use, as Kafka creates __transaction_state) and a re-created topic is served too.
/// </summary>
internal sealed class CoordinatorTopicStore : IGroupStore
{
    private const int ReadChunkBytes = 1 << 20;
    private const int MaxUncompressedBytes = 64 << 20;

    private readonly BrokerConfig _config;
    private readonly TopicManager _topics;
    private readonly MetadataQuorum _quorum;
    private readonly TimeProvider _time;
    private readonly TimeSpan _appendTimeout;
    private readonly object _creationLock = new();
    private Task<(ErrorCode, string?)>? _creation;

    /// <summary>
    /// A store over <paramref name="topic"/>. Its partition count is the existing topic's, or, when the topic does not
    /// exist yet, the configured count it will be created with.
    /// </summary>
    public CoordinatorTopicStore(CoordinatorTopic topic, BrokerConfig config, TopicManager topics, MetadataQuorum quorum, TimeProvider time)
    {
        Topic = topic;
        _config = config;
        _topics = topics;
        _quorum = quorum;
        _time = time;
        _appendTimeout = topic.AppendTimeout(config);
        PartitionCount = topics.Find(topic.Name)?.PartitionCount ?? config.GetInt(topic.PartitionsKey);
    }

    public CoordinatorTopic Topic { get; }

    public int PartitionCount { get; }

    /// <summary>Whether the topic exists in this node's metadata now.</summary>
    public bool Exists => _topics.Find(Topic.Name) is not null;

    /// <summary>
    /// Creates the topic unless it exists; concurrent callers share one creation. Its replication factor is the
    /// configured one capped by the brokers registered now (at least one), so a single node needs no configuration;
    /// Kafka does not cap it and refuses the creation instead. TOPIC_ALREADY_EXISTS (another broker was first) counts
    /// as success.
    /// </summary>
    public Task<(ErrorCode Error, string? Message)> CreateIfMissingAsync()
    {
        if (Exists)
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
            [TopicConfigs.SegmentBytes] = _config.GetInt(Topic.SegmentBytesKey).ToString(CultureInfo.InvariantCulture),
            [TopicConfigs.CompressionType] = Topic.Compression,
        };
        if (Topic.MinIsrKey is { } minIsr)
            configs[TopicConfigs.MinInsyncReplicas] = _config.GetInt(minIsr).ToString(CultureInfo.InvariantCulture);
        var registered = _quorum.Loader.Image.Cluster.Brokers.Count;
        var replicationFactor = (short)Math.Max(1, Math.Min(_config.GetInt(Topic.ReplicationKey), registered));
        var created = await _topics.CreateAsync(Topic.Name, PartitionCount, replicationFactor, configs, validateOnly: false).ConfigureAwait(false);
        return created.Succeeded || created.Error == ErrorCode.TopicAlreadyExists ? (ErrorCode.None, null) : (created.Error, created.Message);
    }

    /// <summary>
    /// Appends <paramref name="records"/> as one batch: a plain one, or with a <paramref name="producerId"/> (not -1) a
    /// transactional batch of that producer and epoch without a sequence, as Kafka writes a TxnOffsetCommit's offsets.
    /// </summary>
    public GroupAppend Append(int partition, IReadOnlyList<StoredRecord> records, long producerId = -1, short producerEpoch = -1)
    {
        if (_topics.Find(Topic.Name) is not { } topic || !topic.Exists(partition))
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

    /// <summary>A write counts once the topic's in-sync replicas have it (and, with runnel.acks.all.fsync, the leader's disk).</summary>
    private async Task<ErrorCode> WaitForReplicasAsync(Partitions.Partition partition, long lastOffset)
    {
        var (error, _) = await partition.WaitForAcksAsync(lastOffset, _topics.Logs.Durability == DurabilityMode.GroupCommit, _appendTimeout,
            CancellationToken.None).ConfigureAwait(false);
        return error;
    }

    public async IAsyncEnumerable<StoredRecord> ReadAsync(int partition)
    {
        var log = (_topics.Find(Topic.Name)?.Partition(partition)
            ?? throw new StorageException(StorageErrorKind.Offline, $"{Topic.Name}-{partition} is not hosted here.")).Log;
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
    private long ReadBatches(byte[] chunk, long offset, KafkaWriter scratch, List<StoredRecord> records)
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
            throw new StorageException(StorageErrorKind.InvalidBatch, $"{Topic.Name}: unreadable batch at offset {offset}.");
        return offset;
    }
}
