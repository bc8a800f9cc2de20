using Runnel.Client.Metadata;

namespace Runnel.Client.Consumer;

/// <summary>
/// Reads records from assigned partitions: assign, optionally seek (beginning, end, offset or timestamp), then poll.
/// Each poll long-polls the partition leaders with Fetch and returns the records that came back, in offset order
/// per partition.
/// <code>
/// await using var consumer = new RunnelConsumer(new ConsumerOptions { BootstrapServers = "localhost:9092" });
/// await consumer.AssignAllPartitionsAsync("orders");
/// await consumer.SeekToBeginningAsync();
/// foreach (var record in await consumer.PollAsync(TimeSpan.FromSeconds(1))) { … }
/// </code>
/// With <see cref="ConsumerOptions.GroupId"/> set, <see cref="Subscribe"/> instead: the group spreads the
/// partitions over its members, each poll keeps the membership current, and commits store the positions.
/// Not thread-safe: one caller polls at a time.
/// </summary>
public sealed partial class RunnelConsumer : IAsyncDisposable
{
    private readonly ConsumerOptions _options;
    private readonly ClusterClient _cluster;
    private readonly Dictionary<TopicPartition, PartitionState> _assigned = [];

    public RunnelConsumer(ConsumerOptions options)
    {
        _options = options;
        _cluster = new ClusterClient(options);
        if (options.GroupId is { } groupId)
            _group = new GroupMembership(_cluster, options, groupId);
    }

    /// <summary>The assigned partitions.</summary>
    public IReadOnlyCollection<TopicPartition> Assignment => _assigned.Keys;

    /// <summary>
    /// Reads exactly these partitions from now on. Partitions that stay assigned keep their positions; new ones
    /// start per <see cref="ConsumerOptions.AutoOffsetReset"/> unless sought first.
    /// </summary>
    public void Assign(IEnumerable<TopicPartition> partitions)
    {
        var wanted = partitions.ToHashSet();
        foreach (var gone in _assigned.Keys.Where(p => !wanted.Contains(p)).ToList())
            _assigned.Remove(gone);
        foreach (var partition in wanted)
            _assigned.TryAdd(partition, new PartitionState());
    }

    /// <summary>Assigns every partition of <paramref name="topic"/> (added to the current assignment) and returns them.</summary>
    public async Task<IReadOnlyList<TopicPartition>> AssignAllPartitionsAsync(string topic, CancellationToken cancellationToken = default)
    {
        var info = await _cluster.GetTopicAsync(topic, allowAutoCreate: false, cancellationToken, forceRefresh: true).ConfigureAwait(false);
        var partitions = info.Partitions.Select(p => new TopicPartition(topic, p.Partition)).ToList();
        Assign([.. _assigned.Keys, .. partitions]);
        return partitions;
    }

    /// <summary>The next offset to read from a partition, or null when it is not known yet.</summary>
    public long? Position(TopicPartition partition) => State(partition).Position;

    /// <summary>The partition's high watermark from the last fetch: the offset after the last readable record.</summary>
    public long? HighWatermark(TopicPartition partition) => State(partition).HighWatermark;

    /// <summary>Reads <paramref name="partition"/> from <paramref name="offset"/> on.</summary>
    public void Seek(TopicPartition partition, long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        State(partition).Position = offset;
    }

    /// <summary>Moves the given partitions (all assigned when null) to their earliest offset.</summary>
    public Task SeekToBeginningAsync(IEnumerable<TopicPartition>? partitions = null, CancellationToken cancellationToken = default)
        => SeekAsync(partitions, OffsetSpec.Earliest, cancellationToken);

    /// <summary>Moves the given partitions (all assigned when null) to their end: only records written later are read.</summary>
    public Task SeekToEndAsync(IEnumerable<TopicPartition>? partitions = null, CancellationToken cancellationToken = default)
        => SeekAsync(partitions, OffsetSpec.Latest, cancellationToken);

    /// <summary>
    /// Moves each partition to its first record at or after <paramref name="unixMilliseconds"/>; a partition with no
    /// such record goes to its end, as Kafka's consumers do.
    /// </summary>
    public Task SeekToTimestampAsync(long unixMilliseconds, IEnumerable<TopicPartition>? partitions = null, CancellationToken cancellationToken = default)
        => SeekAsync(partitions, OffsetSpec.ForTimestamp(unixMilliseconds), cancellationToken);

    /// <summary>The current end offsets (next offset to be written) of the given partitions, all assigned when null.</summary>
    public async Task<IReadOnlyDictionary<TopicPartition, long>> EndOffsetsAsync(IEnumerable<TopicPartition>? partitions = null, CancellationToken cancellationToken = default)
    {
        var offsets = await _cluster.ListOffsetsAsync(partitions ?? _assigned.Keys, OffsetSpec.Latest, cancellationToken).ConfigureAwait(false);
        return offsets.ToDictionary(o => o.Key, o => o.Value.Offset);
    }

    public async ValueTask DisposeAsync()
    {
        if (_group is not null)
            await CloseGroupAsync().ConfigureAwait(false);
        await _cluster.DisposeAsync().ConfigureAwait(false);
        _scratch.Dispose();
    }

    private async Task SeekAsync(IEnumerable<TopicPartition>? partitions, OffsetSpec spec, CancellationToken cancellationToken)
    {
        var targets = (partitions ?? _assigned.Keys).ToList();
        foreach (var partition in targets)
            State(partition);
        var offsets = await _cluster.ListOffsetsAsync(targets, spec, cancellationToken).ConfigureAwait(false);
        List<TopicPartition>? pastTheEnd = null;
        foreach (var (partition, listed) in offsets)
        {
            if (listed.Offset >= 0)
                _assigned[partition].Position = listed.Offset;
            else
                (pastTheEnd ??= []).Add(partition);
        }
        if (pastTheEnd is not null)
            await SeekAsync(pastTheEnd, OffsetSpec.Latest, cancellationToken).ConfigureAwait(false);
    }

    private PartitionState State(TopicPartition partition)
        => _assigned.TryGetValue(partition, out var state)
            ? state
            : throw new InvalidOperationException($"{partition} is not assigned to this consumer.");

    private sealed class PartitionState
    {
        public long? Position { get; set; }

        public long? HighWatermark { get; set; }
    }
}
