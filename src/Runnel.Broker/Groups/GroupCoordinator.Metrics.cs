namespace Runnel.Broker.Groups;

/// <summary>A group as the metrics and the lag monitor see it: its state and its committed offsets.</summary>
internal sealed record GroupSnapshot(string GroupId, GroupState State, IReadOnlyList<(string Topic, int Partition, long Offset)> Offsets);

/// <summary>What the broker's metrics read from the coordinator, and the hooks they are told through.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>Called after a group enters a new generation (a rebalance completed its join phase).</summary>
    public Action? Rebalanced { get; set; }

    /// <summary>
    /// Called for each partition of an accepted (non-transactional) OffsetCommit, under the group's lock, with the group,
    /// the topic, the partition and the committed offset. Must be quick and must not call back into the coordinator.
    /// </summary>
    public Action<string, string, int, long>? OffsetCommitted { get; set; }

    /// <summary>The groups of the loaded __consumer_offsets partitions (Dead ones left out), each read under its lock.</summary>
    public IReadOnlyList<GroupSnapshot> Snapshot()
    {
        if (!IsActive)
            return [];
        var snapshots = new List<GroupSnapshot>();
        foreach (var group in Partitions().Active.SelectMany(p => p.Groups.Values))
        {
            lock (group)
            {
                if (group.Is(GroupState.Dead))
                    continue;
                snapshots.Add(new GroupSnapshot(group.GroupId, group.State, [.. group.Offsets.All.Select(o => (o.Topic, o.Partition, o.Offset.Offset))]));
            }
        }
        return snapshots;
    }
}
