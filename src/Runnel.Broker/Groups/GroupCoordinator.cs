using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Runnel.Broker.Configuration;
using Runnel.Broker.Topics;
using Runnel.Protocol;
using Runnel.Protocol.Messages;
using Runnel.Storage;

namespace Runnel.Broker.Groups;

/// <summary>Who sent a group request: the client id, its address and the API version, which changes some answers.</summary>
internal readonly record struct GroupClient(string ClientId, string ClientHost, short ApiVersion);

/// <summary>
/// Kafka's classic group coordinator for this node, which coordinates every group (one node, so FindCoordinator
/// always names it). It runs each group's state machine (see <see cref="GroupState"/>), parks JoinGroup and
/// SyncGroup replies until the rebalance allows them, expires members whose heartbeats stop, and keeps committed
/// offsets and group metadata in __consumer_offsets through an <see cref="IGroupStore"/>, replayed by
/// <see cref="Load"/>. All of a group's work happens under its lock; groups never lock each other.
/// </summary>
internal sealed partial class GroupCoordinator : IDisposable
{
    private readonly ConcurrentDictionary<string, ClassicGroup> _groups = new(StringComparer.Ordinal);
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
    }

    public GroupCoordinatorConfig Config => _config;

    /// <summary>The broker's coordinator: opens (creating if needed) __consumer_offsets and replays it.</summary>
    public static GroupCoordinator Start(BrokerConfig config, TopicManager topics, ILoggerFactory loggerFactory, TimeProvider time)
    {
        var store = OffsetsTopicStore.Open(config, topics, time);
        var coordinator = new GroupCoordinator(GroupCoordinatorConfig.From(config), store, time, loggerFactory.CreateLogger("Runnel.Groups"),
            (topic, partition) => topics.Find(topic)?.Exists(partition) ?? false);
        coordinator.Load();
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

    /// <summary>The group, if the coordinator knows it.</summary>
    internal ClassicGroup? Find(string groupId) => _groups.GetValueOrDefault(groupId);

    private ClassicGroup GetOrCreate(string groupId) => _groups.GetOrAdd(groupId, id => new ClassicGroup(id, _time));

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Removes a group that became Dead, so a later request starts a new one.</summary>
    private void Forget(ClassicGroup group)
    {
        group.Timers.CancelAll();
        _groups.TryRemove(new KeyValuePair<string, ClassicGroup>(group.GroupId, group));
    }

    /// <summary>
    /// Appends records for <paramref name="group"/> (under its lock, so the log holds them in the group's order).
    /// The task completes once they are durable, and is faulted when they could not be written.
    /// </summary>
    private Task Append(ClassicGroup group, IReadOnlyList<StoredRecord> records)
    {
        try
        {
            return _store.Append(PartitionFor(group.GroupId, _store.PartitionCount), records);
        }
        catch (StorageException e)
        {
            _logger.LogWarning("Could not write to {Topic} for group {Group}: {Message}", OffsetsTopicStore.TopicName, group.GroupId, e.Message);
            return Task.FromException(e);
        }
    }

    /// <summary>Runs <paramref name="then"/> under the group's lock once <paramref name="written"/> completes (at once if it has).</summary>
    private static void WhenWritten(ClassicGroup group, Task written, Action<Exception?> then)
    {
        if (written.IsCompleted)
        {
            then(written.Exception?.InnerException);
            return;
        }
        written.ContinueWith(t =>
        {
            lock (group)
                then(t.Exception?.InnerException);
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>The group's metadata record with each member's assignment taken from <paramref name="assignmentOf"/>.</summary>
    private static StoredRecord MetadataRecord(ClassicGroup group, Func<GroupMember, byte[]>? assignmentOf = null)
        => GroupRecords.GroupMetadata(group.GroupId, group.ToStored(assignmentOf ?? (m => m.Assignment)));

    /// <summary>Stops every timer and answers parked requests with NOT_COORDINATOR, as Kafka does when it unloads groups.</summary>
    public void Dispose()
    {
        foreach (var group in _groups.Values)
        {
            lock (group)
            {
                group.Timers.CancelAll();
                foreach (var member in group.Members.ToList())
                {
                    group.CompleteJoin(member, new JoinGroupResponse { ErrorCode = (short)ErrorCode.NotCoordinator, MemberId = member.MemberId });
                    ClassicGroup.CompleteSync(member, new SyncGroupResponse { ErrorCode = (short)ErrorCode.NotCoordinator });
                }
            }
        }
    }
}
