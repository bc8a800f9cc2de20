namespace Runnel.Broker.Groups.Modern;

/// <summary>The member epoch sent was not the coordinator's: the member must give up its partitions and join again.</summary>
internal sealed class FencedMemberEpochException(string message) : Exception(message);

/// <summary>
/// Kafka's CurrentAssignmentBuilder: moves a member's current assignment one step towards its target. A partition
/// the member must give up stays its own (pending revocation, same epoch) until a heartbeat no longer lists it as
/// owned; only then does the member take the target epoch. A target partition still owned by another member
/// (<c>partitionEpoch</c> not -1) is held back (UNRELEASED_PARTITIONS) until that member released it. So no partition
/// ever has two owners: the invariant the whole protocol rests on.
/// </summary>
internal static class CurrentAssignmentBuilder
{
    /// <param name="member">The member as it is now.</param>
    /// <param name="targetEpoch">The group's assignment epoch.</param>
    /// <param name="target">The member's target assignment.</param>
    /// <param name="partitionEpoch">The epoch of the member owning a partition now (assigned or revoking), -1 when free.</param>
    /// <param name="owned">The partitions the heartbeat says the member owns; null when it did not say.</param>
    public static ConsumerGroupMember Build(ConsumerGroupMember member, int targetEpoch, PartitionAssignment target,
        Func<Guid, int, int> partitionEpoch, PartitionAssignment? owned)
    {
        switch (member.State)
        {
            case MemberState.Stable:
                return member.MemberEpoch != targetEpoch ? Next(member, member.MemberEpoch, targetEpoch, target, partitionEpoch, owned) : member;
            case MemberState.UnrevokedPartitions:
                if (OwnsAny(owned, member.PartitionsPendingRevocation))
                    return member;
                return Next(member, member.MemberEpoch + 1, targetEpoch, target, partitionEpoch, owned);
            case MemberState.UnreleasedPartitions:
                return Next(member, member.MemberEpoch, targetEpoch, target, partitionEpoch, owned);
            default:
                if (owned is null || !owned.IsEmpty)
                    throw new FencedMemberEpochException("The consumer group member is in a unknown state. The member must abandon all its partitions and rejoin.");
                return Next(member, targetEpoch, targetEpoch, target, partitionEpoch, owned);
        }
    }

    /// <summary>Whether the member still owns one of <paramref name="revoking"/>; an unknown owned set counts as owning.</summary>
    private static bool OwnsAny(PartitionAssignment? owned, PartitionAssignment revoking) => owned is null || owned.Overlaps(revoking);

    private static ConsumerGroupMember Next(ConsumerGroupMember member, int memberEpoch, int targetEpoch, PartitionAssignment target,
        Func<Guid, int, int> partitionEpoch, PartitionAssignment? owned)
    {
        var current = member.AssignedPartitions;
        var kept = current.Intersect(target);
        var revoking = current.Except(kept);
        var wanted = target.Except(kept).All.ToList();
        var free = wanted.Where(p => partitionEpoch(p.TopicId, p.Partition) == -1).ToList();
        var unreleased = free.Count < wanted.Count;

        if (!revoking.IsEmpty && OwnsAny(owned, revoking))
        {
            return member.WithEpoch(memberEpoch) with
            {
                State = MemberState.UnrevokedPartitions,
                AssignedPartitions = kept,
                PartitionsPendingRevocation = revoking,
            };
        }
        return member.WithEpoch(targetEpoch) with
        {
            State = unreleased ? MemberState.UnreleasedPartitions : MemberState.Stable,
            AssignedPartitions = free.Count > 0 ? kept.Union(PartitionAssignment.From(free)) : kept,
            PartitionsPendingRevocation = PartitionAssignment.Empty,
        };
    }
}
