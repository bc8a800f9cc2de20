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
/// default), and how long an append waits for the in-sync replicas.
/// </summary>
internal sealed record CoordinatorTopic(string Name, string PartitionsKey, string ReplicationKey, string SegmentBytesKey, string? MinIsrKey,
    TimeSpan AppendTimeout)
{
    /// <summary>__transaction_state as Kafka's TransactionStateManager creates it; appends wait up to request.timeout.ms (30 s).</summary>
    public static readonly CoordinatorTopic TransactionState = new("__transaction_state", "transaction.state.log.num.partitions",
        "transaction.state.log.replication.factor", "transaction.state.log.segment.bytes", "transaction.state.log.min.isr", TimeSpan.FromSeconds(30));
}

/// <summary>
/// A coordinator's records as record batches in an internal topic (<see cref="CoordinatorTopic"/>), appended through
/// the hosted partition that leads them and read back partition by partition when this node starts leading one. The
/// topic is looked up on every use, so it may be created after the store (on first use, as Kafka creates
/// __transaction_state) and a re-created topic is served too.
/// </summary>
internal sealed class CoordinatorTopicStore : IGroupStore
{
    private const int ReadChunkBytes = 1 << 20;
    private const int MaxUncompressedBytes = 64 << 20;

    private readonly BrokerConfig _config;
    private readonly TopicManager _topics;
    private readonly MetadataQuorum _quorum;
    private readonly TimeProvider _time;
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
        PartitionCount = topics.Find(topic.Name)?.PartitionCount ?? config.GetInt(topic.PartitionsKey);
    }

    public CoordinatorTopic Topic { get; }

    public int PartitionCount { get; }

    /// <summary>Whether the topic exists in this node's metadata now.</summary>
    public bool Exists => _topics.Find(Topic.Name) is not null;

    /// <summary>
    /// Creates the topic unless it exists; concurrent callers share one creation. TOPIC_ALREADY_EXISTS (another broker
    /// was first) counts as success.
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
            [TopicConfigs.CompressionType] = "uncompressed",
        };
        if (Topic.MinIsrKey is { } minIsr)
            configs[TopicConfigs.MinInsyncReplicas] = _config.GetInt(minIsr).ToString(CultureInfo.InvariantCulture);
        var registered = _quorum.Loader.Image.Cluster.Brokers.Count;
        var replicationFactor = (short)Math.Max(1, Math.Min(_config.GetInt(Topic.ReplicationKey), registered));
        var created = await _topics.CreateAsync(Topic.Name, PartitionCount, replicationFactor, configs, validateOnly: false).ConfigureAwait(false);
        return created.Succeeded || created.Error == ErrorCode.TopicAlreadyExists ? (ErrorCode.None, null) : (created.Error, created.Message);
    }

    public GroupAppend Append(int partition, IReadOnlyList<StoredRecord> records)
    {
        if (_topics.Find(Topic.Name) is not { } topic || !topic.Exists(partition))
            return GroupAppend.Refused(ErrorCode.UnknownTopicOrPartition);
        if (topic.Partition(partition) is not { } hosted)
            return GroupAppend.Refused(ErrorCode.NotLeaderOrFollower);
        using var writer = new KafkaWriter(256);
        using var builder = new RecordBatchBuilder();
        builder.Begin(writer, new RecordBatchSettings { PartitionLeaderEpoch = hosted.LeaderEpoch });
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
        return appended.Succeeded ? new GroupAppend(ErrorCode.None, WaitForReplicasAsync(hosted, appended.LastOffset)) : GroupAppend.Refused(appended.Error);
    }

    /// <summary>A write counts once the topic's in-sync replicas have it (and, with runnel.acks.all.fsync, the leader's disk).</summary>
    private async Task<ErrorCode> WaitForReplicasAsync(Partitions.Partition partition, long lastOffset)
    {
        var (error, _) = await partition.WaitForAcksAsync(lastOffset, _topics.Logs.Durability == DurabilityMode.GroupCommit, Topic.AppendTimeout,
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

    /// <summary>Decodes whole batches of <paramref name="chunk"/>; returns the offset after the last one read.</summary>
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
            if (header.IsControl)
                continue;
            foreach (var record in RecordBatch.ReadRecords(batch, scratch, MaxUncompressedBytes))
            {
                if (!record.IsKeyNull)
                    records.Add(new StoredRecord(record.Key.ToArray(), record.IsValueNull ? null : record.Value.ToArray()));
            }
        }
        if (position == 0)
            throw new StorageException(StorageErrorKind.InvalidBatch, $"{Topic.Name}: unreadable batch at offset {offset}.");
        return offset;
    }
}
