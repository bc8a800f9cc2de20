using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
using Runnel.Broker.Quorum;
using Runnel.Broker.Topics;
using Runnel.Protocol;
using Runnel.Protocol.Messages;

namespace Runnel.Broker.Groups;

/// <summary>Who sent a group request: the client id, its address and the API version, which changes some answers.</summary>
internal readonly record struct GroupClient(string ClientId, string ClientHost, short ApiVersion);

/// <summary>
/// Kafka's classic group coordinator on this node. It coordinates the groups whose __consumer_offsets partition
/// (<see cref="PartitionFor(string)"/>) this node leads: each such partition is loaded when this node becomes its leader
/// and unloaded when it stops (see <see cref="OnElection"/>), and a group of any other partition is answered
/// NOT_COORDINATOR. It runs each group's state machine (see <see cref="GroupState"/>), parks JoinGroup and SyncGroup
/// replies until the rebalance allows them, expires members whose heartbeats stop, and keeps committed offsets and
/// group metadata in __consumer_offsets through an <see cref="IGroupStore"/>. All of a group's work happens under its
/// lock; groups never lock each other. Lock order: ownership, then a partition, then a group.
/// </summary>
internal sealed partial class GroupCoordinator : IDisposable
{
    private readonly GroupCoordinatorConfig _config;
    private readonly IGroupStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<string, int, bool> _partitionExists;

    /// <param name="partitionExists">Whether a topic partition exists; commits to unknown ones are refused.</param>
    public GroupCoordinator(GroupCoordinatorConfig config, IGroupStore store, TimeProvider time, ILogger logger, Func<string, int, bool> partitionExists)
    {
        _config = config;
        _store = store;
        _time = time;
        _logger = logger;
        _partitionExists = partitionExists;
        _partitionCount = store.PartitionCount;
        _owned = new OffsetsPartition?[_partitionCount];
        _epochs = [.. Enumerable.Repeat(-1, _partitionCount)];
    }

    public GroupCoordinatorConfig Config => _config;

    /// <summary>
    /// The broker's coordinator: makes sure __consumer_offsets exists (creating it if needed), then follows the
    /// leadership of its partitions here, loading those this node leads already and each one it comes to lead.
    /// </summary>
    public static async Task<GroupCoordinator> StartAsync(BrokerConfig config, TopicManager topics, MetadataQuorum quorum, ILoggerFactory loggerFactory,
        TimeProvider time)
    {
        var store = await OffsetsTopicStore.OpenAsync(config, topics, quorum, time).ConfigureAwait(false);
        var coordinator = new GroupCoordinator(GroupCoordinatorConfig.From(config), store, time, loggerFactory.CreateLogger("Runnel.Groups"),
            (topic, partition) => topics.Find(topic)?.Exists(partition) ?? false);
        coordinator.TopicsSource = () => quorum.Loader.Image.Topics;
        coordinator.Follow(topics, config.NodeId);
        return coordinator;
    }

    /// <summary>The __consumer_offsets partition of a group: Kafka's <c>Utils.abs(groupId.hashCode) % partitions</c>.</summary>
    public static int PartitionFor(string groupId, int partitionCount)
    {
        var hash = 0;
        foreach (var c in groupId)
            hash = unchecked((31 * hash) + c);
        return (hash == int.MinValue ? 0 : Math.Abs(hash)) % partitionCount;
    }

    /// <summary>The __consumer_offsets partition of a group, by the partition count this coordinator started with.</summary>
    public int PartitionFor(string groupId) => PartitionFor(groupId, _partitionCount);

    /// <summary>The group, if its partition is loaded here and knows it.</summary>
    internal ClassicGroup? Find(string groupId) => IsActive ? Owned(PartitionFor(groupId))?.Groups.GetValueOrDefault(groupId) : null;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Removes a group that became Dead, so a later request starts a new one.</summary>
    private void Forget(ClassicGroup group)
    {
        group.Timers.CancelAll();
        Owned(PartitionFor(group.GroupId))?.Groups.TryRemove(new KeyValuePair<string, ClassicGroup>(group.GroupId, group));
    }

    /// <summary>
    /// Appends records for <paramref name="group"/> (under its lock, so the log holds them in the group's order) to the
    /// group's partition, as a transactional batch of <paramref name="producerId"/> when one is given; a failure is
    /// logged here, and callers map its error to their own.
    /// </summary>
    private GroupAppend Append(ClassicGroup group, IReadOnlyList<StoredRecord> records, long producerId = -1, short producerEpoch = -1)
    {
        var append = _store.Append(PartitionFor(group.GroupId), records, producerId, producerEpoch);
        if (!append.Appended)
            _logger.LogWarning("Could not write to {Topic} for group {Group}: {Error}", OffsetsTopicStore.TopicName, group.GroupId, append.Error);
        return append;
    }

    /// <summary>
    /// Runs <paramref name="then"/> with the write's outcome (NONE, or the partition's error) under the group's lock once
    /// it is known: at once when nothing was appended or it already counts, else when it does.
    /// </summary>
    private static void WhenWritten(ClassicGroup group, GroupAppend written, Action<ErrorCode> then)
    {
        if (!written.Appended)
        {
            then(written.Error);
            return;
        }
        if (written.Durable.IsCompleted)
        {
            then(written.Durable.Result);
            return;
        }
        written.Durable.ContinueWith(t =>
        {
            lock (group)
                then(t.IsCompletedSuccessfully ? t.Result : ErrorCode.UnknownServerError);
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>
    /// Asks for __consumer_offsets to be created, without waiting (FindCoordinator found it missing). A failure is logged;
    /// the next FindCoordinator asks again.
    /// </summary>
    public void RequestOffsetsTopic()
    {
        if (IsActive)
            _ = CreateOffsetsTopicAsync();
    }

    private async Task CreateOffsetsTopicAsync()
    {
        try
        {
            var (error, message) = await _store.CreateIfMissingAsync().ConfigureAwait(false);
            if (error != ErrorCode.None)
                _logger.LogWarning("Could not create {Topic}: {Error} {Message}", OffsetsTopicStore.TopicName, error, message);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Could not create {Topic}", OffsetsTopicStore.TopicName);
        }
    }

    /// <summary>The group's metadata record with each member's assignment taken from <paramref name="assignmentOf"/>.</summary>
    private static StoredRecord MetadataRecord(ClassicGroup group, Func<GroupMember, byte[]>? assignmentOf = null)
        => GroupRecords.GroupMetadata(group.GroupId, group.ToStored(assignmentOf ?? (m => m.Assignment)));

    /// <summary>
    /// Stops following leadership and unloads every partition, so parked requests are answered NOT_COORDINATOR and later
    /// ones COORDINATOR_NOT_AVAILABLE, as Kafka's coordinator does when it shuts down.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        Unfollow();
        for (var partition = 0; partition < _partitionCount; partition++)
            OnResignation(partition, leaderEpoch: null);
    }
}
