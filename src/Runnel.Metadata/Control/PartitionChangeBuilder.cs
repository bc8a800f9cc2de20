using System.Collections.Immutable;
using Runnel.Metadata.Image;
using Runnel.Protocol.Messages;

namespace Runnel.Metadata.Control;

/// <summary>How a partition's leader is chosen (Kafka's PartitionChangeBuilder.Election).</summary>
public enum LeaderElection
{
    /// <summary>Keep a valid leader, else the first in-sync replica (replica order) that may lead, else none.</summary>
    Online,

    /// <summary>The first replica (the preferred leader) when it is in sync and may lead; else as <see cref="Online"/>.</summary>
    Preferred,

    /// <summary>As <see cref="Online"/>, then any replica that may lead, even out of sync (data may be lost).</summary>
    Unclean,
}

/// <summary>
/// Decides one partition's change as a PartitionChangeRecord, as Kafka's PartitionChangeBuilder does: a reassignment
/// completes once every target replica is in sync; the leader is elected; removing replicas bumps the leader epoch; the
/// ISR never becomes empty (a partition whose last in-sync replica is gone keeps it, with no leader). No record when
/// nothing changes.
/// </summary>
/// <param name="acceptableLeader">Whether a broker may lead (registered, unfenced, not shutting down, unless the caller says otherwise).</param>
public sealed class PartitionChangeBuilder(Guid topicId, PartitionImage partition, Func<int, bool> acceptableLeader)
{
    public ImmutableArray<int> TargetIsr { get; set; } = partition.Isr;

    public ImmutableArray<int> TargetReplicas { get; set; } = partition.Replicas;

    public ImmutableArray<int> TargetAdding { get; set; } = partition.Adding;

    public ImmutableArray<int> TargetRemoving { get; set; } = partition.Removing;

    public LeaderElection Election { get; set; } = LeaderElection.Online;

    /// <summary>Set after <see cref="Build"/>: the leader chosen by an unclean election (the ISR became just it).</summary>
    public bool ElectedUncleanly { get; private set; }

    public PartitionChangeRecord? Build()
    {
        CompleteReassignmentIfNeeded();
        var (leader, unclean) = ElectLeader();
        ElectedUncleanly = unclean;
        if (unclean)
            TargetIsr = [leader];
        var record = new PartitionChangeRecord { TopicId = topicId, PartitionId = partition.Id };
        var changed = false;
        if (leader != partition.Leader)
        {
            record.Leader = leader;
            changed = true;
        }
        else if (!partition.Replicas.All(TargetReplicas.Contains))
        {
            // A replica left (a reassignment finished): a new leader epoch fences what it may still send.
            record.Leader = leader;
            changed = true;
        }
        if (TargetIsr.Length > 0 && !TargetIsr.SequenceEqual(partition.Isr))
        {
            record.Isr = [.. TargetIsr];
            changed = true;
        }
        if (!TargetReplicas.SequenceEqual(partition.Replicas))
        {
            record.Replicas = [.. TargetReplicas];
            changed = true;
        }
        if (!TargetAdding.SequenceEqual(partition.Adding))
        {
            record.AddingReplicas = [.. TargetAdding];
            changed = true;
        }
        if (!TargetRemoving.SequenceEqual(partition.Removing))
        {
            record.RemovingReplicas = [.. TargetRemoving];
            changed = true;
        }
        return changed ? record : null;
    }

    /// <summary>
    /// Kafka's completeReassignmentIfNeeded: with the removing replicas taken out, once the ISR holds every remaining
    /// replica the target is in force: replicas = the target, no adding or removing.
    /// </summary>
    private void CompleteReassignmentIfNeeded()
    {
        if (TargetAdding.IsEmpty && TargetRemoving.IsEmpty)
            return;
        var isr = TargetIsr.Where(r => !TargetRemoving.Contains(r)).ToImmutableArray();
        var replicas = TargetReplicas.Where(r => !TargetRemoving.Contains(r)).ToImmutableArray();
        if (isr.IsEmpty || !replicas.All(isr.Contains))
            return;
        TargetIsr = isr;
        TargetReplicas = replicas;
        TargetAdding = [];
        TargetRemoving = [];
    }

    private (int Leader, bool Unclean) ElectLeader()
    {
        bool Valid(int r) => TargetIsr.Contains(r) && acceptableLeader(r);
        var current = partition.Leader;
        if (Election == LeaderElection.Preferred && TargetReplicas.Length > 0 && Valid(TargetReplicas[0]))
            return (TargetReplicas[0], false);
        if (current >= 0 && TargetReplicas.Contains(current) && Valid(current))
            return (current, false);
        foreach (var replica in TargetReplicas)
        {
            if (Valid(replica))
                return (replica, false);
        }
        if (Election == LeaderElection.Unclean)
        {
            foreach (var replica in TargetReplicas)
            {
                if (acceptableLeader(replica))
                    return (replica, true);
            }
        }
        return (-1, false);
    }
}
